# Romanian copy of the wallet capability. Same ids and variables as en.ftl (see the
# conventions there). "Tu", as Romanian banking apps speak to their customers (the seller copy,
# written for businesses, says "dumneavoastră"). Diacritics with comma below (ș ț), never
# cedilla (ş ţ). Commands stay as the bot reads them in every language (BAL, SEND, YES…);
# DA / NU are accepted too, hence "YES (DA)".
# $attempts arrives as text, so the *[other] variant reads right with any number.

## Help and linking

wallet-help-unlinked =
    Bine ai venit în portofelul tău pe WhatsApp 👋
    Pentru început, conectează acest număr la contul tău de portofel:
    • LINK — dacă acesta este telefonul cu care ți-ai deschis contul
    • LINK <telefonul sau ID-ul contului> — ex.: LINK 0244123456
    Îți trimitem prin SMS un cod de 6 cifre pe telefonul înregistrat al contului; scrie-l aici.
    • HELP — acest mesaj
wallet-help =
    Iată ce poți face:
    • BAL — soldul tău
    • SEND <sumă> <telefon> [notă] — trimite bani, ex.: SEND 50 0244123456 prânz
    • STATEMENT — ultimele tale 10 tranzacții
    • STATEMENT PDF [luna] — extrasul unei luni în PDF, de ex. STATEMENT PDF 2026-11
    • TOPUP <sumă> [număr MoMo] — adaugă bani din MTN MoMo, ex.: TOPUP 100
    • SCORE — scorul tău de credit
    • BNPL — cumperi acum, plătești mai târziu: BNPL 300 0244123456; BNPL PAY rambursează anticipat
    • SUSU — grupurile tale de economii; SUSU JOIN <cod>, SUSU PAY
    • POINTS — punctele tale de fidelitate; POINTS REDEEM <n>
    • UNLINK — deconectează acest număr de WhatsApp
    • LANG — schimbă limba
    Orice plată așteaptă mai întâi un YES (DA) de la tine.
wallet-not-linked = Acest număr de WhatsApp nu este încă conectat la un portofel. Scrie LINK ca să-l conectezi sau HELP pentru ajutor.
wallet-already-linked = Acest număr de WhatsApp este deja conectat la un portofel. Ca să conectezi alt cont, scrie mai întâi UNLINK.
wallet-unlinked = Gata: acest număr de WhatsApp nu mai este conectat la portofelul tău. Scrie LINK ca să-l conectezi din nou.
wallet-link-code-sent = Dacă există un cont potrivit, am trimis prin SMS un cod de 6 cifre pe telefonul lui înregistrat. Scrie codul aici în cel mult { $minutes } minute.
wallet-code-rate-limited = Prea multe cereri de cod de pe acest număr. Te rugăm să încerci din nou peste o oră.
wallet-code-wrong =
    Codul nu este corect. { $attempts ->
        [one] Mai ai { $attempts } încercare.
        [few] Mai ai { $attempts } încercări.
       *[other] Încercări rămase: { $attempts }.
    }
wallet-code-expired = Codul a expirat. Scrie LINK ca să primești unul nou.
wallet-code-spent = Codul nu mai poate fi folosit. Scrie LINK ca să primești unul nou.
wallet-no-code-waiting = Nu așteptăm niciun cod de la tine. Scrie LINK ca să primești unul.
wallet-linked =
    Număr conectat ✅ Bine ai venit, { $name }!{ $frozen ->
        [yes] {"\u000A"}Contul tău este înghețat deocamdată: îl poți vedea, dar nu poți face operațiuni cu bani. Te rugăm să contactezi asistența.
       *[no] {""}
    }
    Scrie BAL ca să vezi soldul sau HELP ca să vezi tot ce poți face.
wallet-session-code-sent = Pentru siguranța ta, scrie codul de 6 cifre pe care tocmai ți l-am trimis prin SMS pe telefonul înregistrat (valabil { $minutes } minute). Apoi continuăm.
wallet-session-renewed = Mulțumim, identitatea ta este confirmată. Poți continua.
wallet-sms-link = Codul tău de portofel este { $code }. Cu el conectezi WhatsApp la contul tău; expiră în { $minutes } minute. Nu-l spune nimănui.
wallet-sms-session = Codul tău de portofel este { $code }. Cu el confirmi o plată din WhatsApp; expiră în { $minutes } minute. Nu-l spune nimănui.

## Balance and statement

wallet-balance = Soldul tău: { $amount }
wallet-statement-empty = Nicio tranzacție deocamdată. Scrie TOPUP 50 ca să adaugi bani din MoMo.
wallet-statement-header = Ultimele tale tranzacții ({ $count }), cele mai noi primele:
wallet-statement-line =
    { $date } { $amount } { $what }{ $has_note ->
        [yes] {" "}· { $note }
       *[no] {""}
    } → { $balance }
wallet-kind-opening = sold inițial
wallet-kind-sent = trimis
wallet-kind-received = primit
wallet-kind-topup = alimentare din MoMo
wallet-kind-payout = către MoMo
wallet-kind-payout-return = transfer către MoMo returnat

## Money movements

wallet-confirm-send =
    Trimiți { $amount } către { $payee }?
    Comision: { $fee } · Total: { $total }
    Răspunde YES (DA) ca să confirmi sau NO (NU) ca să anulezi (valabil { $minutes } minute).
wallet-confirm-payout =
    Trimiți { $amount } pe numărul MoMo { $payee }?
    Comision: { $fee } · Total: { $total }
    Răspunde YES (DA) ca să confirmi sau NO (NU) ca să anulezi (valabil { $minutes } minute).
wallet-confirm-topup =
    Alimentezi portofelul cu { $amount } din numărul MoMo { $payee }?
    Răspunde YES (DA) ca să confirmi sau NO (NU) ca să anulezi (valabil { $minutes } minute).
wallet-replaced = Cererea ta anterioară ({ $amount } către { $payee }) a fost anulată; cea nouă o înlocuiește.
wallet-nothing-pending = Nu așteptăm niciun YES de la tine. Trimite mai întâi o comandă, ex.: SEND 50 0244123456.
wallet-confirm-expired = Confirmarea a expirat și nu s-a trimis nimic. Te rugăm să trimiți din nou comanda.
wallet-cancelled = Anulat. Nu s-a trimis nimic.
wallet-sent = Trimis ✅ { $amount } către { $payee } (comision { $fee }). Soldul tău: { $balance }. Ref. { $reference }
wallet-topup-started = Aprobă plata de { $amount } pe telefonul tău MoMo ({ $number }) ca să alimentezi portofelul. Te anunțăm când ajung banii.
wallet-payout-started = Trimitem { $amount } pe numărul MoMo { $number }. Te anunțăm când e gata.
wallet-momo-refused =
    { $topup ->
        [yes] MoMo a refuzat alimentarea: { $reason }.
       *[no] MoMo a refuzat plata: { $reason }. Banii nu au ieșit din portofelul tău.
    }

## Refusals

wallet-refused-frozen = Contul tău este înghețat, așa că nu poți face operațiuni cu bani. Te rugăm să contactezi asistența.
wallet-refused-no-tier = Contul tău nu poate face încă operațiuni cu bani (nu are limite stabilite). Te rugăm să contactezi asistența.
wallet-refused-amount = Această sumă nu poate fi folosită. Scrie-o cu cel mult 2 zecimale, ex.: SEND 50.25 0244123456.
wallet-refused-self = Nu poți trimite bani în propriul tău cont.
wallet-refused-transfer-limit = Suma depășește limita ta de { $limit } pe transfer.
wallet-refused-daily-limit = Cu această sumă ai depăși limita zilnică de { $limit }. Îți mai rămân azi: { $left }.
wallet-refused-funds = Nu ai destui bani: îți trebuie { $total } (cu tot cu comisionul de { $fee }), iar soldul tău este { $balance }.
wallet-refused-blocked = Am oprit această plată ca să-ți protejăm banii. Echipa noastră o va verifica; dacă ai fost chiar tu, te rugăm să contactezi asistența.

## Notices (also the wallet_update template's words)

wallet-received =
    Ai primit { $amount } de la { $name } ✅{ $has_note ->
        [yes] {" "}Notă: { $note }
       *[no] {""}
    }
wallet-topup-done = Alimentarea de { $amount } a ajuns ✅ Scrie BAL ca să vezi soldul.
wallet-topup-failed = Alimentarea de { $amount } nu a reușit: { $reason }.
wallet-payout-done = Suma de { $amount } a ajuns pe numărul MoMo { $number } ✅
wallet-payout-failed = Trimiterea a { $amount } către { $number } a eșuat: { $reason }. Banii sunt din nou în portofelul tău.
wallet-event-received = bani primiți
wallet-event-topup = alimentare reușită
wallet-event-topup-failed = alimentare eșuată
wallet-event-payout = plată MoMo trimisă
wallet-event-payout-failed = plată MoMo eșuată, bani returnați
# The reasons follow "alimentarea: …", "plata: …", "trimiterea … a eșuat: …" (all feminine).
wallet-reason-rejected = a fost refuzată pe telefon
wallet-reason-expired = nu a fost aprobată la timp
wallet-reason-funds = nu sunt destui bani în contul MoMo
wallet-reason-not-found = numărul nu are cont MoMo
wallet-reason-other = MoMo nu a putut finaliza operațiunea

## What the bot did not understand

wallet-unknown =
    Scuze, nu am înțeles.{ $has_suggestion ->
        [yes] {" "}Ai vrut să scrii { $suggestion }?
       *[no] {""}
    } Scrie HELP ca să vezi ce poți face.
wallet-amount-missing = Scrie suma după { $command }, ex.: { $example }
wallet-amount-invalid = „{ $written }” nu este o sumă. Scrie cifre, ex.: { $example }
wallet-amount-decimals = O sumă are cel mult 2 zecimale, ex.: { $example }
wallet-amount-not-positive = Suma trebuie să fie mai mare decât zero, ex.: { $example }
wallet-payee-missing = Scrie numărul de telefon al destinatarului, ex.: { $example }
wallet-payee-invalid = „{ $written }” nu este un număr de telefon. Scrie-l ca 0244123456 sau +233244123456, ex.: { $example }

## Statement PDF
# STATEMENT PDF [<lună>]: documentul, descrierea și numele fișierului. $month este 1-12.

wallet-pdf-title = Extras de cont
wallet-pdf-month = { $month ->
        [1] ianuarie
        [2] februarie
        [3] martie
        [4] aprilie
        [5] mai
        [6] iunie
        [7] iulie
        [8] august
        [9] septembrie
        [10] octombrie
        [11] noiembrie
       *[12] decembrie
    } { $year }
wallet-pdf-holder = Titularul contului: { $name }
wallet-pdf-account = Cont: { $account }
wallet-pdf-currency = Moneda: { $currency }
wallet-pdf-period = Perioada: { $from } – { $to }
wallet-pdf-col-date = Data
wallet-pdf-col-description = Descriere
wallet-pdf-col-amount = Suma
wallet-pdf-col-balance = Sold
wallet-pdf-opening = Sold inițial
wallet-pdf-closing = Sold final
wallet-pdf-no-movements = Nicio tranzacție în această perioadă.
wallet-pdf-truncated = Sunt afișate doar ultimele { $count } tranzacții ale perioadei.
wallet-pdf-generated = Generat la { $at } ({ $zone })
wallet-pdf-filename = extras-{ $period }.pdf
wallet-pdf-caption = Extrasul tău pentru { $period }: { $count ->
        [one] 1 tranzacție
        [few] { $count } tranzacții
       *[other] { $count } de tranzacții
    }, sold final { $closing }.
wallet-pdf-future = Încă nu există extras pentru { $period }. Scrie STATEMENT PDF pentru luna curentă.
wallet-pdf-unavailable = Extrasul PDF nu poate fi generat acum. Încearcă mai târziu sau scrie STATEMENT pentru ultimele tranzacții aici.
wallet-pdf-period-invalid = „{ $written }” nu este o lună. Scrie, de exemplu, STATEMENT PDF 2026-11.
## Susu (economii prin rotație) și puncte de fidelitate

wallet-kind-susu-contribution = contribuție susu
wallet-kind-susu-payout = plată susu
wallet-kind-points-credit = puncte folosite
wallet-confirm-susu =
    Plătiți { $amount } în grupul susu { $payee }?
    Răspundeți DA pentru confirmare sau NU pentru anulare (valabil { $minutes } minute).
wallet-confirm-redeem =
    Folosiți punctele pentru { $amount } în portofel?
    Răspundeți DA pentru confirmare sau NU pentru anulare (valabil { $minutes } minute).
susu-none = Nu sunteți încă într-un grup susu. Intrați într-unul cu SUSU JOIN <cod>.
susu-summary =
    Grupurile dvs. susu:
    { $lines }
susu-group-not-started = { $group } ({ $code }): { $amount } pe ciclu, { $members } din { $seats } membri, încă nu a început.
susu-group-finished = { $group } ({ $code }): toate ciclurile s-au încheiat.
susu-group-cycle =
    { $group } ({ $code }): ciclul { $cycle } din { $cycles }, câte { $amount }, până pe { $ends }.
    Au plătit: { $paid } din { $members }. { $my_turn ->
        [yes] E rândul dvs. să primiți fondul.
       *[no] E rândul lui { $turn } să primească fondul.
    } { $paid_out ->
        [yes] Fondul a fost plătit.
       *[no] { $mine_paid ->
            [yes] Ați plătit acest ciclu.
           *[no] Nu ați plătit încă: SUSU PAY.
        }
    }
susu-joined = Ați intrat în { $group } (locul { $seat } din { $seats }). Contribuția fiecărui ciclu este { $amount }.
susu-already-member = Sunteți deja membru al { $group }.
susu-full = { $group } nu mai are locuri libere.
susu-no-such-group = Nu există un grup susu cu codul { $code }.
susu-nothing-due = Nimic de plătit: ați plătit toate ciclurile curente ale grupurilor dvs.
susu-not-started = { $group } nu a început încă.
susu-waiting-members = { $group } mai așteaptă { $left } membri.
susu-already-paid = Ați plătit deja acest ciclu al { $group }.
susu-cycle-over = Ciclul s-a încheiat: nu s-a plătit nimic. Scrieți SUSU pentru ciclul curent.
susu-paid = Plătit ✅ { $amount } în { $group }. { $paid } din { $members } membri au plătit acest ciclu.
susu-payout-notice = { $mine ->
        [yes] Fondul { $group } de { $amount } este al dvs. în acest ciclu ✅ E în portofel.
       *[no] Fondul { $group } de { $amount } a mers la { $name } în acest ciclu.
    }
susu-event-payout = fond susu plătit
points-summary = Aveți { $points } puncte (în valoare de { $worth }). { $has_lines ->
        [yes] Ultimele câștigate:
            { $lines }
       *[no] Câștigați puncte cu fiecare SEND și TOPUP.
    }
points-line = { $date }  +{ $points } pentru { $source }
points-source-send = un transfer
points-source-topup = o alimentare
points-refused-over = Nu puteți folosi { $asked } puncte: aveți { $points }.
points-redeemed = Folosit ✅ { $asked } puncte pentru { $amount }. Soldul dvs.: { $balance }. Puncte rămase: { $points }.
