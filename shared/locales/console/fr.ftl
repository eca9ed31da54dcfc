# Copie française de la console de l'opérateur (mêmes id et variables que en.ftl).

operator-reply = Réponse de notre équipe : { $text }

## La page

console-title = Console de l'opérateur
console-sign-in = Se connecter
console-sign-out = Se déconnecter
console-token = Clé d'accès
console-username = Nom d'utilisateur
console-password = Mot de passe
console-sign-in-failed = La connexion a échoué. Vérifiez vos données et réessayez.
console-forbidden = Votre compte ne peut pas utiliser la console.
console-language = Langue
console-refresh = Actualiser
console-error = Impossible de charger ou d'enregistrer. Réessayez.
console-none = Aucun
console-not-offered = Non proposé sur ce numéro
console-role-viewer = Lecteur (lecture seule)
console-role-operator = Opérateur
console-number = Numéro professionnel

## Chiffres

console-bot = Bot
console-bot-on = Répond
console-bot-off = En pause
console-switch-off = Mettre le bot en pause
console-switch-on = Relancer le bot
console-provider = Fournisseur d'API
console-provider-cloud-api = WhatsApp Cloud API
console-webhook = Webhook
console-webhook-connected = Connecté
console-webhook-silent = Rien reçu récemment
console-webhook-last = Dernière réception
console-webhook-url = URL du webhook
console-signature-failures = Signatures refusées (24 h)
console-linked-users = Utilisateurs liés
console-linked-share = Part de tous les comptes portefeuille
console-active-today = Actifs aujourd'hui
console-transactions-today = Transactions aujourd'hui
console-transactions-month = Transactions ce mois-ci
console-volume-today = Volume aujourd'hui
console-volume-month = Volume ce mois-ci
console-failed-transactions = Transactions échouées ce mois-ci
console-response-time = Temps de réponse moyen (7 jours)
console-percentiles = p50 / p95
console-change = Par rapport aux 7 jours précédents
console-escalation-rate = Taux de transfert à une personne (7 jours)
console-alerts = Alertes suspectes
console-alerts-open = Non confirmées
console-acknowledge = Confirmer
console-acknowledged = Confirmée
console-commands = Fréquence des commandes ce mois-ci
console-commands-total = Commandes ce mois-ci
console-failed-log = Commandes non reconnues
console-failed-total = Occurrences au total
console-col-command = Commande
console-col-error = Type d'erreur
console-col-fix = Correction suggérée
console-col-count = Occurrences
console-col-last-seen = Dernière fois
console-col-share = Part

## Actions

console-aliases = Alias appris
console-alias = Alias (ce qu'écrivent les utilisateurs)
console-alias-command = Commande qu'il remplace
console-teach = Apprendre l'alias
console-forget = Oublier
console-escalations = Conversations avec une personne
console-reply = Envoyer la réponse
console-reply-placeholder = Votre réponse à l'utilisateur
console-release = Rendre au bot
console-from-user = Utilisateur
console-from-operator = Opérateur

## Graphiques

console-chart-commands = Commandes ce mois-ci
console-chart-transactions = Transactions et volume, 30 derniers jours
console-chart-responses = Temps de réponse, 7 derniers jours
console-chart-count = Nombre
console-chart-volume = Volume
