## SCORE and BNPL (buy now, pay later)

wallet-score = Your credit score: { $score } (from 300 to 850), from your own wallet history.
wallet-score-factor =
    { $helped ->
        [yes] ▲ +{ $points }
       *[no] ▼ -{ $points }
    } { $what }
wallet-score-factor-age = how long you've had your wallet
wallet-score-factor-inflows = money coming in regularly
wallet-score-factor-stability = a steady balance
wallet-score-factor-bnpl = paying BNPL instalments on time
wallet-score-factor-susu = susu contributions on time

wallet-bnpl-status =
    Buy now, pay later: your limit is { $limit }, you owe { $used }, available { $left }.
    { $has_next ->
        [yes] Next instalment: { $next } on { $date }.
       *[no] No instalment due. Buy with BNPL <amount> <phone>.
    }
wallet-confirm-bnpl =
    Buy now, pay later: pay { $amount } to { $payee } now?
    You repay { $total } (fee { $fee }) in instalments from your wallet.
    Reply YES to confirm or NO to cancel (valid { $minutes } minutes).
wallet-confirm-bnpl-repay =
    Repay your BNPL plan ({ $payee }) now: { $total } from your wallet?
    Reply YES to confirm or NO to cancel (valid { $minutes } minutes).
wallet-bnpl-bought = Paid ✅ { $amount } to { $payee } with BNPL. You repay { $total } (fee { $fee }) in { $count } instalments, the first of { $first } on { $date }.
wallet-bnpl-repaid = Repaid ✅ { $total } for your BNPL plan ({ $payee }). Your balance: { $balance }.
wallet-bnpl-nothing-to-repay = You have no BNPL plan to repay.
wallet-refused-bnpl-limit = That's above what your BNPL limit of { $limit } leaves: { $left } (fee included).
wallet-refused-bnpl-payee = BNPL pays wallet users only. Check the number, or use SEND.
wallet-refused-bnpl-changed = Your BNPL plan changed meanwhile (an instalment was collected). Nothing was taken: send BNPL PAY again.
wallet-kind-bnpl-purchase = paid with BNPL
wallet-kind-bnpl-instalment = BNPL instalment
wallet-kind-bnpl-repay = BNPL repaid early

wallet-bnpl-reminder = Reminder: BNPL instalment { $n }/{ $count } of { $amount } is collected from your wallet on { $date }. Please keep enough money in it.
wallet-bnpl-collected =
    BNPL instalment { $n }/{ $count } collected: { $amount }. { $done ->
        [yes] Your plan is fully repaid ✅
       *[no] Left to repay: { $left }.
    }
wallet-bnpl-overdue = BNPL instalment { $n }/{ $count } of { $amount } is overdue: your wallet was short. Top up and we'll collect it automatically.
wallet-event-bnpl-reminder = BNPL instalment due tomorrow
wallet-event-bnpl-collected = BNPL instalment collected
wallet-event-bnpl-overdue = BNPL instalment overdue, please top up
