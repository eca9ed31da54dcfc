## SCORE и BNPL (покупка сейчас, оплата потом)

wallet-score = Ваш кредитный рейтинг: { $score } (от 300 до 850), по истории вашего кошелька.
wallet-score-factor =
    { $helped ->
        [yes] ▲ +{ $points }
       *[no] ▼ -{ $points }
    } { $what }
wallet-score-factor-age = срок жизни кошелька
wallet-score-factor-inflows = регулярные поступления
wallet-score-factor-stability = стабильный баланс
wallet-score-factor-bnpl = платежи по рассрочке вовремя
wallet-score-factor-susu = взносы в сусу вовремя

wallet-bnpl-status =
    Рассрочка (BNPL): ваш лимит { $limit }, долг { $used }, доступно { $left }.
    { $has_next ->
        [yes] Следующий платёж: { $next }, { $date }.
       *[no] Платежей нет. Купить: BNPL <сумма> <телефон>.
    }
wallet-confirm-bnpl =
    Рассрочка: оплатить сейчас { $amount } получателю { $payee }?
    Вы вернёте { $total } (комиссия { $fee }) платежами из кошелька.
    Ответьте YES (ДА), чтобы подтвердить, или NO (НЕТ), чтобы отменить (действует { $minutes } мин.).
wallet-confirm-bnpl-repay =
    Погасить рассрочку ({ $payee }) сейчас: { $total } из кошелька?
    Ответьте YES (ДА), чтобы подтвердить, или NO (НЕТ), чтобы отменить (действует { $minutes } мин.).
wallet-bnpl-bought = Оплачено ✅ { $amount } получателю { $payee } в рассрочку. Вы вернёте { $total } (комиссия { $fee }) платежами: { $count }, первый — { $first }, { $date }.
wallet-bnpl-repaid = Погашено ✅ { $total } по рассрочке ({ $payee }). Ваш баланс: { $balance }.
wallet-bnpl-nothing-to-repay = У вас нет рассрочки для погашения.
wallet-refused-bnpl-limit = Это больше, чем оставляет ваш лимит рассрочки { $limit }: { $left } (с комиссией).
wallet-refused-bnpl-payee = Рассрочкой можно платить только пользователям кошелька. Проверьте номер или используйте SEND.
wallet-refused-bnpl-changed = Рассрочка тем временем изменилась (списан платёж). Ничего не списано: отправьте BNPL PAY ещё раз.
wallet-kind-bnpl-purchase = оплата в рассрочку
wallet-kind-bnpl-instalment = платёж по рассрочке
wallet-kind-bnpl-repay = рассрочка погашена досрочно

wallet-bnpl-reminder = Напоминание: платёж по рассрочке { $n }/{ $count } на { $amount } будет списан из кошелька { $date }. Пожалуйста, держите на нём достаточно денег.
wallet-bnpl-collected =
    Платёж по рассрочке { $n }/{ $count } списан: { $amount }. { $done ->
        [yes] Рассрочка полностью погашена ✅
       *[no] Осталось погасить: { $left }.
    }
wallet-bnpl-overdue = Платёж по рассрочке { $n }/{ $count } на { $amount } просрочен: в кошельке не хватило денег. Пополните его, и мы спишем платёж автоматически.
wallet-event-bnpl-reminder = завтра платёж по рассрочке
wallet-event-bnpl-collected = платёж по рассрочке списан
wallet-event-bnpl-overdue = платёж по рассрочке просрочен, пополните кошелёк
