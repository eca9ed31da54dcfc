# Copia în română a consolei operatorului (aceleași id-uri și variabile ca en.ftl).

operator-reply = Răspuns de la echipa noastră: { $text }

## Pagina

console-title = Consola operatorului
console-sign-in = Autentificare
console-sign-out = Ieșire
console-token = Cheie de acces
console-username = Nume de utilizator
console-password = Parolă
console-sign-in-failed = Autentificarea a eșuat. Verificați datele și încercați din nou.
console-forbidden = Contul dumneavoastră nu poate folosi consola.
console-language = Limba
console-refresh = Reîmprospătare
console-error = Nu s-a putut încărca sau salva. Încercați din nou.
console-none = Niciunul
console-not-offered = Nu este oferit pe acest număr
console-role-viewer = Observator (doar citire)
console-role-operator = Operator
console-number = Număr de business

## Cifre

console-bot = Bot
console-bot-on = Răspunde
console-bot-off = Oprit
console-switch-off = Oprește botul
console-switch-on = Pornește botul
console-provider = Furnizor API
console-provider-cloud-api = WhatsApp Cloud API
console-webhook = Webhook
console-webhook-connected = Conectat
console-webhook-silent = Nimic primit recent
console-webhook-last = Ultima primire
console-webhook-url = URL webhook
console-signature-failures = Semnături invalide (24 h)
console-linked-users = Utilizatori conectați
console-linked-share = Din toate conturile de portofel
console-active-today = Activi azi
console-transactions-today = Tranzacții azi
console-transactions-month = Tranzacții luna aceasta
console-volume-today = Volum azi
console-volume-month = Volum luna aceasta
console-failed-transactions = Tranzacții eșuate luna aceasta
console-response-time = Timp mediu de răspuns (7 zile)
console-percentiles = p50 / p95
console-change = Față de cele 7 zile anterioare
console-escalation-rate = Rata de preluare de către o persoană (7 zile)
console-alerts = Alerte suspecte
console-alerts-open = Neconfirmate
console-acknowledge = Confirmă
console-acknowledged = Confirmată
console-commands = Frecvența comenzilor luna aceasta
console-commands-total = Comenzi luna aceasta
console-failed-log = Comenzi nereușite
console-failed-total = Apariții în total
console-col-command = Comandă
console-col-error = Tip de eroare
console-col-fix = Soluție sugerată
console-col-count = Apariții
console-col-last-seen = Ultima dată
console-col-share = Pondere

## Acțiuni

console-aliases = Aliasuri învățate
console-alias = Alias (ce scriu utilizatorii)
console-alias-command = Comanda pe care o înlocuiește
console-teach = Învață aliasul
console-forget = Uită
console-escalations = Conversații cu o persoană
console-reply = Trimite răspunsul
console-reply-placeholder = Răspunsul dumneavoastră pentru utilizator
console-release = Predă înapoi botului
console-from-user = Utilizator
console-from-operator = Operator

## Grafice

console-chart-commands = Comenzi luna aceasta
console-chart-transactions = Tranzacții și volum, ultimele 30 de zile
console-chart-responses = Timpi de răspuns, ultimele 7 zile
console-chart-count = Număr
console-chart-volume = Volum
