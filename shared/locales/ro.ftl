# Romanian chat copy. Same ids and variables as en.ftl (see the conventions there).
# Polite plural ("dumneavoastră"): the sellers are businesses and this is their bank's channel.
# Diacritics with comma below (ș ț), never cedilla (ş ţ).

language-name = Română

## Onboarding and help

welcome =
    { $has_name ->
        [yes] Bună ziua, { $name }! 👋
       *[no] Bună ziua! 👋
    }
    Trimiteți-mi o sumă și vă fac un link de plată, de exemplu: pay 100 "Cafea" #cafea
    Scrieți help ca să vedeți toate comenzile.

help =
    Iată ce înțeleg:
    • pay <sumă> ["descriere"] [#etichetă] — link de plată; descrierea și eticheta sunt opționale
      ex.: pay 100 "Cafea + croissant" #cafea
    • doar suma — la fel, ex.: 100
    • /rtp <sumă> <telefonul plătitorului> ["descriere"] [#etichetă] — cerere de plată trimisă pe telefonul plătitorului
      ex.: /rtp 250 069123456 "Cină" #masa5
    • /lang — schimbarea limbii, ex.: /lang{ $multi_merchant ->
        [yes] {"\u000A"}• /merchant — alegerea comerciantului care primește plățile, ex.: /merchant
       *[no] {""}
    }
    • help — această listă

unknown-seller =
    Ne pare rău, acest număr nu este înregistrat ca vânzător, așa că nu pot crea linkuri de plată pentru el.
    Rugați banca sau partenerul dumneavoastră de plăți să-l înregistreze.

seller-blocked = Linkurile de plată sunt blocate pentru acest număr. Vă rugăm să contactați banca.

## Payment links

link-created =
    Link de plată pentru { $amount }{ $has_description ->
        [yes] {" "}— „{ $description }”
       *[no] {""}
    }{ $has_tag ->
        [yes] {" "}#{ $tag }
       *[no] {""}
    }:
    { $url }
    Trimiteți-l plătitorului — vă anunț când este plătit.

rtp-sent =
    Cererea de plată pentru { $amount }{ $has_description ->
        [yes] {" "}— „{ $description }”
       *[no] {""}
    }{ $has_tag ->
        [yes] {" "}#{ $tag }
       *[no] {""}
    } a fost trimisă către { $payer }.
    Plătitorul poate plăti și prin acest link:
    { $url }
    Vă anunț când este plătită.

link-failed = Nu am putut crea linkul de plată acum. Nu s-a debitat nimic — încercați din nou peste un minut.

link-not-configured =
    Acest comerciant nu este configurat pentru acest tip de plată (de exemplu, cererile de plată nu sunt activate).
    Vă rugăm să contactați banca.

## Refusals: each says what was wrong and shows a message that works

error-empty = Mesajul dumneavoastră nu conține text. Trimiteți-mi o sumă ca să primiți un link de plată, de exemplu: pay 100

error-unknown-command =
    { $has_suggestion ->
        [yes] Nu cunosc această comandă. Ați vrut să scrieți { $suggestion }?
       *[no] Nu cunosc această comandă.
    }
    Scrieți help ca să vedeți toate comenzile. De exemplu, pay 100 creează un link de plată.

error-amount-missing = Adăugați suma, de exemplu: pay 100

error-amount-invalid = „{ $input }” nu este o sumă pe care o înțeleg. Scrieți-o în cifre, de exemplu: pay 150 sau pay 12.50

error-amount-not-positive = Suma trebuie să fie mai mare decât zero, de exemplu: pay 100

error-amount-decimals = Suma poate avea cel mult două zecimale, de exemplu: pay 12.50

error-amount-above-cap = Suma depășește limita de { $cap } pentru un link de plată. Încercați o sumă mai mică, de exemplu: pay 100

error-currency = Aici sumele sunt doar în { $currency }. Trimiteți doar numărul, de exemplu: pay 100

error-description-too-long =
    Descrierea este prea lungă — cel mult { $max } { NUMBER($max) ->
        [one] caracter
        [few] caractere
       *[other] de caractere
    }. Scrieți ceva mai scurt, de exemplu: pay 100 "Cafea"

error-tag-invalid =
    Eticheta este # urmat de cel mult { $max } { NUMBER($max) ->
        [one] literă sau cifră
        [few] litere sau cifre
       *[other] de litere sau cifre
    }, fără spații, de exemplu: pay 100 #cafea

error-payer-missing = Adăugați telefonul plătitorului după sumă, de exemplu: /rtp 100 069123456

error-payer-phone = Acesta nu pare un număr de telefon. Scrieți-l așa: /rtp 100 069123456

error-internal = Ne pare rău, ceva nu a mers bine la noi. Încercați din nou peste câteva clipe.

## Language picker (button ≤ 20 characters, section ≤ 24: WhatsApp list limits)

lang-prompt = Alegeți limba:
lang-button = Alegeți limba
lang-section = Limbi
lang-changed = Gata! De acum vă scriu în română.

## Merchant picker (same limits)

merchant-prompt = Alegeți comerciantul care primește plățile:
merchant-button = Alegeți comerciantul
merchant-section = Comercianți
merchant-selected = Gata — plățile merg acum la { $name }.
merchant-none = Niciun comerciant nu este legat de acest număr. Vă rugăm să contactați banca.

## Payment status updates

payment-paid =
    ✅ Plată primită: { $amount }{ $has_description ->
        [yes] {" "}— „{ $description }”
       *[no] {""}
    }{ $has_tag ->
        [yes] {" "}#{ $tag }
       *[no] {""}
    }{ $has_bank ->
        [yes] {"\u000A"}Banca plătitorului: { $bank }
       *[no] {""}
    }

payment-failed =
    ❌ Plata a eșuat: { $amount }{ $has_description ->
        [yes] {" "}— „{ $description }”
       *[no] {""}
    }{ $has_tag ->
        [yes] {" "}#{ $tag }
       *[no] {""}
    }
    Trimiteți din nou suma ca să creați un link nou.

payment-declined =
    Plătitorul a refuzat plata: { $amount }{ $has_description ->
        [yes] {" "}— „{ $description }”
       *[no] {""}
    }{ $has_tag ->
        [yes] {" "}#{ $tag }
       *[no] {""}
    }
    Trimiteți din nou suma dacă doriți un link nou.

payment-expired =
    ⌛ Linkul a expirat fără să fie plătit: { $amount }{ $has_description ->
        [yes] {" "}— „{ $description }”
       *[no] {""}
    }{ $has_tag ->
        [yes] {" "}#{ $tag }
       *[no] {""}
    }
    Trimiteți din nou suma ca să creați unul nou.

# The header of a list of updates; the caller appends the list.
# Romanian plural: "1 plată", "2–19 plăți", "20 de plăți" (and 101–119 like 2–19).
payment-digest =
    { NUMBER($count) ->
        [one] Noutăți despre { $count } plată:
        [few] Noutăți despre { $count } plăți:
       *[other] Noutăți despre { $count } de plăți:
    }

## Template parameters (one line each: Meta refuses newlines and tabs in parameters)

template-status-success = plătită
template-status-failed = eșuată
template-status-declined = refuzată de plătitor
template-status-expired = expirată neplătită
template-no-description = —

## Controalele operatorului: oprirea botului și predarea către o persoană (orice număr)

bot-paused = Asistentul este oprit pentru moment. Mesajul dumneavoastră a fost primit; vă rugăm să scrieți din nou puțin mai târziu.
handoff-opened = O persoană din echipa noastră vă va răspunde aici în curând. Până atunci nu mai răspund eu; mesajele dumneavoastră ajung la ea.
