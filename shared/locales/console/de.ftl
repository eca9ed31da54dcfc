# Deutsche Fassung der Bedienerkonsole (dieselben IDs und Variablen wie en.ftl).

operator-reply = Antwort unseres Teams: { $text }

## Die Seite

console-title = Bedienerkonsole
console-sign-in = Anmelden
console-sign-out = Abmelden
console-token = Zugangsschlüssel
console-username = Benutzername
console-password = Passwort
console-sign-in-failed = Anmeldung fehlgeschlagen. Bitte Angaben prüfen und erneut versuchen.
console-forbidden = Ihr Konto darf die Konsole nicht verwenden.
console-language = Sprache
console-refresh = Aktualisieren
console-error = Laden oder Speichern fehlgeschlagen. Bitte erneut versuchen.
console-none = Keine
console-not-offered = Auf dieser Nummer nicht angeboten
console-role-viewer = Betrachter (nur lesen)
console-role-operator = Bediener
console-number = Geschäftsnummer

## Kennzahlen

console-bot = Bot
console-bot-on = Antwortet
console-bot-off = Pausiert
console-switch-off = Bot pausieren
console-switch-on = Bot fortsetzen
console-provider = API-Anbieter
console-provider-cloud-api = WhatsApp Cloud API
console-webhook = Webhook
console-webhook-connected = Verbunden
console-webhook-silent = In letzter Zeit nichts empfangen
console-webhook-last = Zuletzt empfangen
console-webhook-url = Webhook-URL
console-signature-failures = Signaturfehler (24 h)
console-linked-users = Verknüpfte Nutzer
console-linked-share = Anteil an allen Wallet-Konten
console-active-today = Heute aktiv
console-transactions-today = Transaktionen heute
console-transactions-month = Transaktionen diesen Monat
console-volume-today = Volumen heute
console-volume-month = Volumen diesen Monat
console-failed-transactions = Fehlgeschlagene Transaktionen diesen Monat
console-response-time = Mittlere Antwortzeit (7 Tage)
console-percentiles = p50 / p95
console-change = Gegenüber den 7 Tagen davor
console-escalation-rate = Übergaben an einen Menschen (7 Tage)
console-alerts = Verdächtige Vorgänge
console-alerts-open = Unbestätigt
console-acknowledge = Bestätigen
console-acknowledged = Bestätigt
console-commands = Befehlshäufigkeit diesen Monat
console-commands-total = Befehle diesen Monat
console-failed-log = Nicht erkannte Befehle
console-failed-total = Vorkommen insgesamt
console-col-command = Befehl
console-col-error = Fehlerart
console-col-fix = Vorgeschlagene Korrektur
console-col-count = Vorkommen
console-col-last-seen = Zuletzt gesehen
console-col-share = Anteil

## Aktionen

console-aliases = Gelernte Aliasse
console-alias = Alias (was Nutzer schreiben)
console-alias-command = Befehl, für den er steht
console-teach = Alias lernen
console-forget = Vergessen
console-escalations = Gespräche mit einem Menschen
console-reply = Antwort senden
console-reply-placeholder = Ihre Antwort an den Nutzer
console-release = An den Bot zurückgeben
console-from-user = Nutzer
console-from-operator = Bediener

## Diagramme

console-chart-commands = Befehle diesen Monat
console-chart-transactions = Transaktionen und Volumen, letzte 30 Tage
console-chart-responses = Antwortzeiten, letzte 7 Tage
console-chart-count = Anzahl
console-chart-volume = Volumen
