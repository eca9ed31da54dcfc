## SCORE și BNPL (cumperi acum, plătești mai târziu)

wallet-score = Scorul tău de credit: { $score } (de la 300 la 850), din istoricul propriului portofel.
wallet-score-factor =
    { $helped ->
        [yes] ▲ +{ $points }
       *[no] ▼ -{ $points }
    } { $what }
wallet-score-factor-age = vechimea portofelului
wallet-score-factor-inflows = bani intrați regulat
wallet-score-factor-stability = un sold stabil
wallet-score-factor-bnpl = ratele BNPL plătite la timp
wallet-score-factor-susu = contribuțiile susu la timp

wallet-bnpl-status =
    Cumperi acum, plătești mai târziu: limita ta este { $limit }, datorezi { $used }, disponibil { $left }.
    { $has_next ->
        [yes] Următoarea rată: { $next } pe { $date }.
       *[no] Nicio rată de plătit. Cumperi cu BNPL <sumă> <telefon>.
    }
wallet-confirm-bnpl =
    Cumperi acum, plătești mai târziu: plătești acum { $amount } către { $payee }?
    Rambursezi { $total } (comision { $fee }) în rate din portofel.
    Răspunde YES (DA) ca să confirmi sau NO (NU) ca să anulezi (valabil { $minutes } minute).
wallet-confirm-bnpl-repay =
    Rambursezi acum planul BNPL ({ $payee }): { $total } din portofel?
    Răspunde YES (DA) ca să confirmi sau NO (NU) ca să anulezi (valabil { $minutes } minute).
wallet-bnpl-bought = Plătit ✅ { $amount } către { $payee } cu BNPL. Rambursezi { $total } (comision { $fee }) în { $count } rate, prima de { $first } pe { $date }.
wallet-bnpl-repaid = Rambursat ✅ { $total } pentru planul BNPL ({ $payee }). Soldul tău: { $balance }.
wallet-bnpl-nothing-to-repay = Nu ai niciun plan BNPL de rambursat.
wallet-refused-bnpl-limit = Depășește cât îți mai lasă limita BNPL de { $limit }: { $left } (cu comision).
wallet-refused-bnpl-payee = BNPL plătește doar utilizatori ai portofelului. Verifică numărul sau folosește SEND.
wallet-refused-bnpl-changed = Planul BNPL s-a schimbat între timp (s-a încasat o rată). Nu s-a luat nimic: trimite din nou BNPL PAY.
wallet-kind-bnpl-purchase = plătit cu BNPL
wallet-kind-bnpl-instalment = rată BNPL
wallet-kind-bnpl-repay = BNPL rambursat anticipat

wallet-bnpl-reminder = Reamintire: rata BNPL { $n }/{ $count } de { $amount } se încasează din portofel pe { $date }. Te rugăm să ai destui bani în el.
wallet-bnpl-collected =
    Rata BNPL { $n }/{ $count } încasată: { $amount }. { $done ->
        [yes] Planul tău este rambursat integral ✅
       *[no] Rămas de rambursat: { $left }.
    }
wallet-bnpl-overdue = Rata BNPL { $n }/{ $count } de { $amount } este restantă: portofelul nu a avut destui bani. Alimentează-l și o încasăm automat.
wallet-event-bnpl-reminder = rată BNPL scadentă mâine
wallet-event-bnpl-collected = rată BNPL încasată
wallet-event-bnpl-overdue = rată BNPL restantă, alimentează portofelul
