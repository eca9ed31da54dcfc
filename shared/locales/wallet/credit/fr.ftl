## SCORE et BNPL (achetez maintenant, payez plus tard)

wallet-score = Votre score de crédit : { $score } (de 300 à 850), d'après l'historique de votre portefeuille.
wallet-score-factor =
    { $helped ->
        [yes] ▲ +{ $points }
       *[no] ▼ -{ $points }
    } { $what }
wallet-score-factor-age = l'ancienneté de votre portefeuille
wallet-score-factor-inflows = des entrées d'argent régulières
wallet-score-factor-stability = un solde stable
wallet-score-factor-bnpl = des échéances BNPL payées à temps
wallet-score-factor-susu = des cotisations susu à temps

wallet-bnpl-status =
    Achetez maintenant, payez plus tard : votre limite est de { $limit }, vous devez { $used }, disponible { $left }.
    { $has_next ->
        [yes] Prochaine échéance : { $next } le { $date }.
       *[no] Aucune échéance. Achetez avec BNPL <montant> <téléphone>.
    }
wallet-confirm-bnpl =
    Achetez maintenant, payez plus tard : payer { $amount } à { $payee } maintenant ?
    Vous remboursez { $total } (frais { $fee }) en échéances depuis votre portefeuille.
    Répondez YES (OUI) pour confirmer ou NO (NON) pour annuler (valable { $minutes } minutes).
wallet-confirm-bnpl-repay =
    Rembourser votre plan BNPL ({ $payee }) maintenant : { $total } depuis votre portefeuille ?
    Répondez YES (OUI) pour confirmer ou NO (NON) pour annuler (valable { $minutes } minutes).
wallet-bnpl-bought = Payé ✅ { $amount } à { $payee } avec BNPL. Vous remboursez { $total } (frais { $fee }) en { $count } échéances, la première de { $first } le { $date }.
wallet-bnpl-repaid = Remboursé ✅ { $total } pour votre plan BNPL ({ $payee }). Votre solde : { $balance }.
wallet-bnpl-nothing-to-repay = Vous n'avez aucun plan BNPL à rembourser.
wallet-refused-bnpl-limit = C'est plus que ce que laisse votre limite BNPL de { $limit } : { $left } (frais compris).
wallet-refused-bnpl-payee = BNPL ne paie que des utilisateurs du portefeuille. Vérifiez le numéro ou utilisez SEND.
wallet-refused-bnpl-changed = Votre plan BNPL a changé entre-temps (une échéance a été prélevée). Rien n'a été pris : renvoyez BNPL PAY.
wallet-kind-bnpl-purchase = payé avec BNPL
wallet-kind-bnpl-instalment = échéance BNPL
wallet-kind-bnpl-repay = BNPL remboursé par anticipation

wallet-bnpl-reminder = Rappel : l'échéance BNPL { $n }/{ $count } de { $amount } est prélevée sur votre portefeuille le { $date }. Gardez-y assez d'argent.
wallet-bnpl-collected =
    Échéance BNPL { $n }/{ $count } prélevée : { $amount }. { $done ->
        [yes] Votre plan est entièrement remboursé ✅
       *[no] Reste à rembourser : { $left }.
    }
wallet-bnpl-overdue = L'échéance BNPL { $n }/{ $count } de { $amount } est en retard : votre portefeuille n'était pas assez approvisionné. Rechargez-le et nous la prélèverons automatiquement.
wallet-event-bnpl-reminder = échéance BNPL demain
wallet-event-bnpl-collected = échéance BNPL prélevée
wallet-event-bnpl-overdue = échéance BNPL en retard, rechargez votre portefeuille
