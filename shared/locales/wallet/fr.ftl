# French copy of the wallet capability. Same ids and variables as en.ftl (see the conventions
# there). "Vous"; French typography as in the seller copy: a no-break space (U+00A0) before ":"
# and inside « », a narrow no-break space (U+202F) before ; ! ? — so a line never starts with
# the sign. Commands stay as the bot reads them in every language (BAL, SEND, YES…); OUI / NON
# are accepted too, hence "YES (OUI)". $attempts arrives as text, so the *[other] variant reads
# right with any number.

## Help and linking

wallet-help-unlinked =
    Bienvenue dans votre portefeuille sur WhatsApp 👋
    Pour commencer, associez ce numéro à votre compte portefeuille :
    • LINK — si votre compte a été ouvert avec ce téléphone
    • LINK <téléphone ou identifiant du compte> — ex. : LINK 0244123456
    Nous enverrons un code à 6 chiffres par SMS au téléphone enregistré du compte ; saisissez-le ici.
    • HELP — ce message
wallet-help =
    Voici ce que vous pouvez faire :
    • BAL — votre solde
    • SEND <montant> <téléphone> [note] — envoyer de l'argent, ex. : SEND 50 0244123456 déjeuner
    • STATEMENT — vos 10 dernières opérations
    • STATEMENT PDF [mois] — le relevé d'un mois en PDF, p. ex. STATEMENT PDF 2026-11
    • TOPUP <montant> [numéro MoMo] — ajouter de l'argent depuis MTN MoMo, ex. : TOPUP 100
    • SCORE — votre score de crédit
    • BNPL — achetez maintenant, payez plus tard : BNPL 300 0244123456 ; BNPL PAY rembourse par anticipation
    • SUSU — vos tontines ; SUSU JOIN <code>, SUSU PAY
    • POINTS — vos points de fidélité ; POINTS REDEEM <n>
    • UNLINK — dissocier ce numéro WhatsApp
    • LANG — changer de langue
    Chaque paiement attend d'abord votre YES (OUI).
wallet-not-linked = Ce numéro WhatsApp n'est pas encore associé à un portefeuille. Tapez LINK pour l'associer, ou HELP.
wallet-already-linked = Ce numéro WhatsApp est déjà associé à un portefeuille. Tapez d'abord UNLINK pour associer un autre compte.
wallet-unlinked = C'est fait : ce numéro WhatsApp n'est plus associé à votre portefeuille. Tapez LINK pour l'associer à nouveau.
wallet-link-code-sent = Si un compte correspond, nous avons envoyé un code à 6 chiffres par SMS à son téléphone enregistré. Saisissez le code ici dans les { $minutes } minutes.
wallet-code-rate-limited = Trop de demandes de code depuis ce numéro. Veuillez réessayer dans une heure.
wallet-code-wrong =
    Ce code n'est pas le bon. { $attempts ->
        [one] Il vous reste { $attempts } essai.
       *[other] Essais restants : { $attempts }.
    }
wallet-code-expired = Ce code a expiré. Tapez LINK pour en recevoir un nouveau.
wallet-code-spent = Ce code ne peut plus être utilisé. Tapez LINK pour en recevoir un nouveau.
wallet-no-code-waiting = Aucun code n'est attendu. Tapez LINK pour en recevoir un.
wallet-linked =
    Numéro associé ✅ Bienvenue, { $name } !{ $frozen ->
        [yes] {"\u000A"}Votre compte est gelé pour le moment : vous pouvez le consulter, mais aucun mouvement d'argent n'est possible. Veuillez contacter le service client.
       *[no] {""}
    }
    Tapez BAL pour voir votre solde ou HELP pour voir tout ce que vous pouvez faire.
wallet-session-code-sent = Pour votre sécurité, saisissez le code à 6 chiffres que nous venons d'envoyer par SMS à votre téléphone enregistré (valable { $minutes } minutes). Nous continuerons ensuite.
wallet-session-renewed = Merci, votre identité est vérifiée. Vous pouvez continuer.
wallet-sms-link = Votre code portefeuille est { $code }. Il associe WhatsApp à votre compte et expire dans { $minutes } minutes. Ne le communiquez jamais.
wallet-sms-session = Votre code portefeuille est { $code }. Il confirme un paiement depuis WhatsApp et expire dans { $minutes } minutes. Ne le communiquez jamais.

## Balance and statement

wallet-balance = Votre solde : { $amount }
wallet-statement-empty = Aucune opération pour l'instant. Tapez TOPUP 50 pour ajouter de l'argent depuis MoMo.
wallet-statement-header = Vos dernières opérations ({ $count }), de la plus récente à la plus ancienne :
wallet-statement-line =
    { $date } { $amount } { $what }{ $has_note ->
        [yes] {" "}· { $note }
       *[no] {""}
    } → { $balance }
wallet-kind-opening = solde d'ouverture
wallet-kind-sent = envoyé
wallet-kind-received = reçu
wallet-kind-topup = recharge MoMo
wallet-kind-payout = vers MoMo
wallet-kind-payout-return = retour d'un envoi MoMo

## Money movements

wallet-confirm-send =
    Envoyer { $amount } à { $payee } ?
    Frais : { $fee } · Total : { $total }
    Répondez YES (OUI) pour confirmer ou NO (NON) pour annuler (valable { $minutes } minutes).
wallet-confirm-payout =
    Envoyer { $amount } au numéro MoMo { $payee } ?
    Frais : { $fee } · Total : { $total }
    Répondez YES (OUI) pour confirmer ou NO (NON) pour annuler (valable { $minutes } minutes).
wallet-confirm-topup =
    Recharger votre portefeuille de { $amount } depuis le numéro MoMo { $payee } ?
    Répondez YES (OUI) pour confirmer ou NO (NON) pour annuler (valable { $minutes } minutes).
wallet-replaced = Votre demande précédente ({ $amount } à { $payee }) est annulée ; la nouvelle la remplace.
wallet-nothing-pending = Rien n'attend votre YES. Envoyez d'abord une commande, ex. : SEND 50 0244123456.
wallet-confirm-expired = Cette confirmation a expiré et rien n'a été envoyé. Veuillez renvoyer la commande.
wallet-cancelled = Annulé. Rien n'a été envoyé.
wallet-sent = Envoyé ✅ { $amount } à { $payee } (frais { $fee }). Votre solde : { $balance }. Réf. { $reference }
wallet-topup-started = Validez le paiement de { $amount } sur votre téléphone MoMo ({ $number }) pour recharger votre portefeuille. Nous vous préviendrons dès que l'argent sera arrivé.
wallet-payout-started = Nous envoyons { $amount } au numéro MoMo { $number }. Nous vous préviendrons dès que ce sera fait.
wallet-momo-refused =
    { $topup ->
        [yes] MoMo a refusé la recharge : { $reason }.
       *[no] MoMo a refusé le paiement : { $reason }. Rien n'est sorti de votre portefeuille.
    }

## Refusals

wallet-refused-frozen = Votre compte est gelé : aucun mouvement d'argent n'est possible. Veuillez contacter le service client.
wallet-refused-no-tier = Votre compte ne peut pas encore faire de mouvements d'argent (aucun plafond n'est défini pour lui). Veuillez contacter le service client.
wallet-refused-amount = Ce montant n'est pas utilisable. Écrivez-le avec au plus 2 décimales, ex. : SEND 50.25 0244123456.
wallet-refused-self = Vous ne pouvez pas vous envoyer de l'argent à vous-même.
wallet-refused-transfer-limit = Cela dépasse votre plafond de { $limit } par transfert.
wallet-refused-daily-limit = Cela dépasserait votre plafond journalier de { $limit }. Disponible aujourd'hui : { $left }.
wallet-refused-funds = Solde insuffisant : il vous faut { $total } (frais de { $fee } inclus) et votre solde est de { $balance }.
wallet-refused-blocked = Nous avons bloqué ce paiement pour protéger votre argent. Notre équipe va le vérifier ; si c'était bien vous, veuillez contacter le service client.

## Notices (also the wallet_update template's words)

wallet-received =
    Vous avez reçu { $amount } de la part de { $name } ✅{ $has_note ->
        [yes] {" "}Note : { $note }
       *[no] {""}
    }
wallet-topup-done = Votre recharge de { $amount } est arrivée ✅ Tapez BAL pour voir votre solde.
wallet-topup-failed = Votre recharge de { $amount } n'a pas abouti : { $reason }.
wallet-payout-done = Votre envoi de { $amount } est arrivé sur le numéro MoMo { $number } ✅
wallet-payout-failed = L'envoi de { $amount } au { $number } a échoué : { $reason }. L'argent est de retour dans votre portefeuille.
wallet-event-received = argent reçu
wallet-event-topup = recharge reçue
wallet-event-topup-failed = recharge échouée
wallet-event-payout = envoi MoMo effectué
wallet-event-payout-failed = envoi MoMo échoué, argent restitué
# The reasons follow "la recharge : …", "le paiement : …", "l'envoi … a échoué : …".
wallet-reason-rejected = la demande a été refusée sur le téléphone
wallet-reason-expired = la demande n'a pas été validée à temps
wallet-reason-funds = solde insuffisant sur le compte MoMo
wallet-reason-not-found = ce numéro n'a pas de compte MoMo
wallet-reason-other = MoMo n'a pas pu finaliser l'opération

## What the bot did not understand

wallet-unknown =
    Désolé, je n'ai pas compris.{ $has_suggestion ->
        [yes] {" "}Vouliez-vous dire { $suggestion } ?
       *[no] {""}
    } Tapez HELP pour voir ce que vous pouvez faire.
wallet-amount-missing = Indiquez le montant après { $command }, ex. : { $example }
wallet-amount-invalid = « { $written } » n'est pas un montant. Écrivez des chiffres, ex. : { $example }
wallet-amount-decimals = Un montant a au plus 2 décimales, ex. : { $example }
wallet-amount-not-positive = Le montant doit être supérieur à zéro, ex. : { $example }
wallet-payee-missing = Indiquez le numéro de téléphone du destinataire, ex. : { $example }
wallet-payee-invalid = « { $written } » n'est pas un numéro de téléphone. Écrivez-le comme 0244123456 ou +233244123456, ex. : { $example }

## Statement PDF
# STATEMENT PDF [<mois>] : le document, sa légende et son nom de fichier. $month va de 1 à 12.

wallet-pdf-title = Relevé de compte
wallet-pdf-month = { $month ->
        [1] janvier
        [2] février
        [3] mars
        [4] avril
        [5] mai
        [6] juin
        [7] juillet
        [8] août
        [9] septembre
        [10] octobre
        [11] novembre
       *[12] décembre
    } { $year }
wallet-pdf-holder = Titulaire du compte : { $name }
wallet-pdf-account = Compte : { $account }
wallet-pdf-currency = Devise : { $currency }
wallet-pdf-period = Période : { $from } – { $to }
wallet-pdf-col-date = Date
wallet-pdf-col-description = Libellé
wallet-pdf-col-amount = Montant
wallet-pdf-col-balance = Solde
wallet-pdf-opening = Solde initial
wallet-pdf-closing = Solde final
wallet-pdf-no-movements = Aucune opération sur cette période.
wallet-pdf-truncated = Seules les { $count } dernières opérations de la période sont affichées.
wallet-pdf-generated = Établi le { $at } ({ $zone })
wallet-pdf-filename = releve-{ $period }.pdf
wallet-pdf-caption = Votre relevé de { $period } : { $count ->
        [one] 1 opération
       *[other] { $count } opérations
    }, solde final { $closing }.
wallet-pdf-future = Il n'y a pas encore de relevé pour { $period }. Écrivez STATEMENT PDF pour le mois en cours.
wallet-pdf-unavailable = Votre relevé PDF ne peut pas être établi pour le moment. Réessayez plus tard, ou écrivez STATEMENT pour voir vos dernières opérations ici.
wallet-pdf-period-invalid = « { $written } » n'est pas un mois. Écrivez par exemple STATEMENT PDF 2026-11.
## Susu (tontine) et points de fidélité

wallet-kind-susu-contribution = cotisation susu
wallet-kind-susu-payout = versement susu
wallet-kind-points-credit = points échangés
wallet-confirm-susu =
    Verser { $amount } dans la tontine { $payee } ?
    Répondez OUI pour confirmer ou NON pour annuler (valable { $minutes } minutes).
wallet-confirm-redeem =
    Échanger vos points contre { $amount } de crédit ?
    Répondez OUI pour confirmer ou NON pour annuler (valable { $minutes } minutes).
susu-none = Vous n'êtes dans aucune tontine. Rejoignez-en une avec SUSU JOIN <code>.
susu-summary =
    Vos tontines :
    { $lines }
susu-group-not-started = { $group } ({ $code }) : { $amount } par cycle, { $members } membres sur { $seats }, pas encore commencée.
susu-group-finished = { $group } ({ $code }) : tous les cycles sont terminés.
susu-group-cycle =
    { $group } ({ $code }) : cycle { $cycle } sur { $cycles }, { $amount } chacun, jusqu'au { $ends }.
    Payé : { $paid } sur { $members }. { $my_turn ->
        [yes] C'est votre tour de recevoir la cagnotte.
       *[no] C'est le tour de { $turn } de recevoir la cagnotte.
    } { $paid_out ->
        [yes] La cagnotte a été versée.
       *[no] { $mine_paid ->
            [yes] Vous avez payé ce cycle.
           *[no] Vous n'avez pas encore payé : SUSU PAY.
        }
    }
susu-joined = Vous avez rejoint { $group } (place { $seat } sur { $seats }). La cotisation par cycle est de { $amount }.
susu-already-member = Vous êtes déjà membre de { $group }.
susu-full = { $group } n'a plus de place libre.
susu-no-such-group = Aucune tontine n'a le code { $code }.
susu-nothing-due = Rien à payer : vous avez payé tous les cycles en cours de vos tontines.
susu-not-started = { $group } n'a pas encore commencé.
susu-waiting-members = { $group } attend encore { $left } membres.
susu-already-paid = Vous avez déjà payé ce cycle de { $group }.
susu-cycle-over = Ce cycle est terminé : rien n'a été payé. Écrivez SUSU pour voir le cycle en cours.
susu-paid = Payé ✅ { $amount } dans { $group }. { $paid } membres sur { $members } ont payé ce cycle.
susu-payout-notice = { $mine ->
        [yes] La cagnotte { $group } de { $amount } est pour vous ce cycle ✅ Elle est dans votre portefeuille.
       *[no] La cagnotte { $group } de { $amount } est allée à { $name } ce cycle.
    }
susu-event-payout = cagnotte de la tontine versée
points-summary = Vous avez { $points } points (valeur { $worth }). { $has_lines ->
        [yes] Derniers gains :
            { $lines }
       *[no] Gagnez des points à chaque SEND et TOPUP.
    }
points-line = { $date }  +{ $points } pour { $source }
points-source-send = un transfert
points-source-topup = une recharge
points-refused-over = Impossible d'échanger { $asked } points : vous en avez { $points }.
points-redeemed = Échangé ✅ { $asked } points contre { $amount }. Votre solde : { $balance }. Points restants : { $points }.
