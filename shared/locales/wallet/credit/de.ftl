## SCORE und BNPL (jetzt kaufen, später zahlen)

wallet-score = Ihr Kredit-Score: { $score } (von 300 bis 850), aus dem Verlauf Ihrer eigenen Wallet.
wallet-score-factor =
    { $helped ->
        [yes] ▲ +{ $points }
       *[no] ▼ -{ $points }
    } { $what }
wallet-score-factor-age = wie lange Sie Ihre Wallet schon haben
wallet-score-factor-inflows = regelmäßige Geldeingänge
wallet-score-factor-stability = ein stabiler Kontostand
wallet-score-factor-bnpl = BNPL-Raten pünktlich bezahlt
wallet-score-factor-susu = Susu-Beiträge pünktlich

wallet-bnpl-status =
    Jetzt kaufen, später zahlen: Ihr Limit ist { $limit }, offen sind { $used }, verfügbar { $left }.
    { $has_next ->
        [yes] Nächste Rate: { $next } am { $date }.
       *[no] Keine Rate fällig. Kaufen mit BNPL <Betrag> <Telefon>.
    }
wallet-confirm-bnpl =
    Jetzt kaufen, später zahlen: { $amount } jetzt an { $payee } zahlen?
    Sie zahlen { $total } (Gebühr { $fee }) in Raten aus Ihrer Wallet zurück.
    Antworten Sie YES (JA) zum Bestätigen oder NO (NEIN) zum Abbrechen (gültig { $minutes } Minuten).
wallet-confirm-bnpl-repay =
    Ihren BNPL-Plan ({ $payee }) jetzt zurückzahlen: { $total } aus Ihrer Wallet?
    Antworten Sie YES (JA) zum Bestätigen oder NO (NEIN) zum Abbrechen (gültig { $minutes } Minuten).
wallet-bnpl-bought = Bezahlt ✅ { $amount } an { $payee } mit BNPL. Sie zahlen { $total } (Gebühr { $fee }) in { $count } Raten zurück, die erste über { $first } am { $date }.
wallet-bnpl-repaid = Zurückgezahlt ✅ { $total } für Ihren BNPL-Plan ({ $payee }). Ihr Kontostand: { $balance }.
wallet-bnpl-nothing-to-repay = Sie haben keinen BNPL-Plan zum Zurückzahlen.
wallet-refused-bnpl-limit = Das ist mehr, als Ihr BNPL-Limit von { $limit } übrig lässt: { $left } (Gebühr inklusive).
wallet-refused-bnpl-payee = BNPL zahlt nur an Wallet-Nutzer. Prüfen Sie die Nummer oder nutzen Sie SEND.
wallet-refused-bnpl-changed = Ihr BNPL-Plan hat sich inzwischen geändert (eine Rate wurde eingezogen). Es wurde nichts abgebucht: senden Sie BNPL PAY erneut.
wallet-kind-bnpl-purchase = mit BNPL bezahlt
wallet-kind-bnpl-instalment = BNPL-Rate
wallet-kind-bnpl-repay = BNPL vorzeitig zurückgezahlt

wallet-bnpl-reminder = Erinnerung: Die BNPL-Rate { $n }/{ $count } über { $amount } wird am { $date } von Ihrer Wallet eingezogen. Bitte halten Sie genug Geld darauf bereit.
wallet-bnpl-collected =
    BNPL-Rate { $n }/{ $count } eingezogen: { $amount }. { $done ->
        [yes] Ihr Plan ist vollständig zurückgezahlt ✅
       *[no] Noch offen: { $left }.
    }
wallet-bnpl-overdue = Die BNPL-Rate { $n }/{ $count } über { $amount } ist überfällig: Ihre Wallet war nicht gedeckt. Laden Sie sie auf, dann ziehen wir die Rate automatisch ein.
wallet-event-bnpl-reminder = BNPL-Rate morgen fällig
wallet-event-bnpl-collected = BNPL-Rate eingezogen
wallet-event-bnpl-overdue = BNPL-Rate überfällig, bitte aufladen
