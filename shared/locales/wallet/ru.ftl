# Russian copy of the wallet capability. Same ids and variables as en.ftl (see the conventions
# there). Polite "вы"; the bot never speaks of itself in the past tense (that would give it a
# gender). Names and masked numbers stay in the nominative: they follow a noun ("получатель",
# "номер") or a colon, never a preposition that would decline them. Minutes arrive as text, so
# they are written "мин." (no form of "минута" to pick); likewise the *[other] variant of
# $attempts reads right with any number. Commands stay as the bot reads them in every language
# (BAL, SEND, YES…); ДА / НЕТ are accepted too, hence "YES (ДА)".

## Help and linking

wallet-help-unlinked =
    Добро пожаловать в ваш кошелёк в WhatsApp 👋
    Для начала привяжите этот номер к своему счёту кошелька:
    • LINK — если счёт открыт на этот номер телефона
    • LINK <телефон или ID счёта> — например: LINK 0244123456
    Мы отправим 6-значный код по SMS на телефон, указанный в счёте; введите его здесь.
    • HELP — это сообщение
wallet-help =
    Вот что можно сделать:
    • BAL — ваш баланс
    • SEND <сумма> <телефон> [комментарий] — отправить деньги, например: SEND 50 0244123456 обед
    • STATEMENT — ваши последние 10 операций
    • STATEMENT PDF [месяц] — выписка за месяц в PDF, например STATEMENT PDF 2026-11
    • TOPUP <сумма> [номер MoMo] — пополнить кошелёк с MTN MoMo, например: TOPUP 100
    • SCORE — ваш кредитный рейтинг
    • BNPL — покупка в рассрочку: BNPL 300 0244123456; BNPL PAY — погасить досрочно
    • SUSU — ваши сберегательные группы; SUSU JOIN <код>, SUSU PAY
    • POINTS — ваши бонусные баллы; POINTS REDEEM <n>
    • UNLINK — отвязать этот номер WhatsApp
    • LANG — сменить язык
    Каждый платёж выполняется только после вашего YES (ДА).
wallet-not-linked = Этот номер WhatsApp пока не привязан к кошельку. Напишите LINK, чтобы привязать его, или HELP.
wallet-already-linked = Этот номер WhatsApp уже привязан к кошельку. Чтобы привязать другой счёт, сначала напишите UNLINK.
wallet-unlinked = Готово: этот номер WhatsApp больше не привязан к вашему кошельку. Напишите LINK, чтобы привязать его снова.
wallet-link-code-sent = Если такой счёт есть, мы отправили 6-значный код по SMS на указанный в нём телефон. Введите код здесь в течение { $minutes } мин.
wallet-code-rate-limited = С этого номера запрошено слишком много кодов. Пожалуйста, попробуйте ещё раз через час.
wallet-code-wrong =
    Код неверный. { $attempts ->
        [one] Осталась { $attempts } попытка.
        [few] Осталось { $attempts } попытки.
        [many] Осталось { $attempts } попыток.
       *[other] Осталось попыток: { $attempts }.
    }
wallet-code-expired = Срок действия кода истёк. Напишите LINK, чтобы получить новый.
wallet-code-spent = Этот код больше нельзя использовать. Напишите LINK, чтобы получить новый.
wallet-no-code-waiting = Сейчас нет кода, который нужно ввести. Напишите LINK, чтобы получить его.
wallet-linked =
    Номер привязан ✅ Добро пожаловать, { $name }!{ $frozen ->
        [yes] {"\u000A"}Ваш счёт временно заморожен: его можно просматривать, но операции с деньгами недоступны. Пожалуйста, обратитесь в поддержку.
       *[no] {""}
    }
    Напишите BAL, чтобы узнать баланс, или HELP, чтобы увидеть все возможности.
wallet-session-code-sent = Для вашей безопасности введите 6-значный код, который мы только что отправили по SMS на ваш телефон (действует { $minutes } мин.). Затем продолжим.
wallet-session-renewed = Спасибо, проверка пройдена. Можно продолжать.
wallet-sms-link = Ваш код для кошелька: { $code }. Он привязывает WhatsApp к вашему счёту и действует { $minutes } мин. Никому его не сообщайте.
wallet-sms-session = Ваш код для кошелька: { $code }. Он подтверждает платёж из WhatsApp и действует { $minutes } мин. Никому его не сообщайте.

## Balance and statement

wallet-balance = Ваш баланс: { $amount }
wallet-statement-empty = Операций пока нет. Напишите TOPUP 50, чтобы пополнить кошелёк с MoMo.
wallet-statement-header = Ваши последние операции ({ $count }), сначала новые:
wallet-statement-line =
    { $date } { $amount } { $what }{ $has_note ->
        [yes] {" "}· { $note }
       *[no] {""}
    } → { $balance }
wallet-kind-opening = начальный остаток
wallet-kind-sent = отправлено
wallet-kind-received = получено
wallet-kind-topup = пополнение с MoMo
wallet-kind-payout = на MoMo
wallet-kind-payout-return = возврат перевода на MoMo

## Money movements

wallet-confirm-send =
    Перевести { $amount } получателю { $payee }?
    Комиссия: { $fee } · Итого: { $total }
    Ответьте YES (ДА), чтобы подтвердить, или NO (НЕТ), чтобы отменить (действует { $minutes } мин.).
wallet-confirm-payout =
    Отправить { $amount } на номер MoMo { $payee }?
    Комиссия: { $fee } · Итого: { $total }
    Ответьте YES (ДА), чтобы подтвердить, или NO (НЕТ), чтобы отменить (действует { $minutes } мин.).
wallet-confirm-topup =
    Пополнить кошелёк на { $amount } с номера MoMo { $payee }?
    Ответьте YES (ДА), чтобы подтвердить, или NO (НЕТ), чтобы отменить (действует { $minutes } мин.).
wallet-replaced = Предыдущий запрос ({ $amount }, получатель { $payee }) отменён: его заменяет новый.
wallet-nothing-pending = Сейчас нет операций, ожидающих вашего YES. Сначала отправьте команду, например: SEND 50 0244123456.
wallet-confirm-expired = Время на подтверждение истекло, ничего не отправлено. Пожалуйста, отправьте команду ещё раз.
wallet-cancelled = Отменено. Ничего не отправлено.
wallet-sent = Отправлено ✅ { $amount } получателю { $payee } (комиссия { $fee }). Ваш баланс: { $balance }. Номер операции: { $reference }
wallet-topup-started = Подтвердите платёж на { $amount } в MoMo на своём телефоне ({ $number }), чтобы пополнить кошелёк. Мы сообщим, когда деньги поступят.
wallet-payout-started = Отправляем { $amount } на номер MoMo { $number }. Мы сообщим, когда перевод завершится.
wallet-momo-refused =
    { $topup ->
        [yes] MoMo отклонил пополнение: { $reason }.
       *[no] MoMo отклонил платёж: { $reason }. Деньги с вашего кошелька не списаны.
    }

## Refusals

wallet-refused-frozen = Ваш счёт заморожен, поэтому операции с деньгами недоступны. Пожалуйста, обратитесь в поддержку.
wallet-refused-no-tier = По вашему счёту пока нельзя проводить операции с деньгами (для него не установлены лимиты). Пожалуйста, обратитесь в поддержку.
wallet-refused-amount = Такую сумму использовать нельзя. В дробной части может быть не больше 2 знаков, например: SEND 50.25 0244123456.
wallet-refused-self = Нельзя перевести деньги на свой же счёт.
wallet-refused-transfer-limit = Это больше вашего лимита { $limit } на один перевод.
wallet-refused-daily-limit = Так вы превысите дневной лимит { $limit }. Доступно на сегодня: { $left }.
wallet-refused-funds = Недостаточно средств: нужно { $total } (включая комиссию { $fee }), а ваш баланс — { $balance }.
wallet-refused-blocked = Мы остановили этот платёж, чтобы защитить ваши деньги. Наша команда его проверит; если это были вы, пожалуйста, обратитесь в поддержку.

## Notices (also the wallet_update template's words)

wallet-received =
    Вы получили { $amount }, отправитель: { $name } ✅{ $has_note ->
        [yes] {" "}Комментарий: { $note }
       *[no] {""}
    }
wallet-topup-done = Пополнение на { $amount } зачислено ✅ Напишите BAL, чтобы узнать баланс.
wallet-topup-failed = Пополнение на { $amount } не прошло: { $reason }.
wallet-payout-done = Перевод { $amount } на номер MoMo { $number } выполнен ✅
wallet-payout-failed = Перевод { $amount } на номер { $number } не прошёл: { $reason }. Деньги вернулись в ваш кошелёк.
wallet-event-received = поступление денег
wallet-event-topup = пополнение зачислено
wallet-event-topup-failed = пополнение не прошло
wallet-event-payout = перевод на MoMo отправлен
wallet-event-payout-failed = перевод на MoMo не прошёл, деньги возвращены
# The reasons follow "пополнение: …", "платёж: …", "перевод … не прошёл: …".
wallet-reason-rejected = запрос отклонён на телефоне
wallet-reason-expired = запрос не подтверждён вовремя
wallet-reason-funds = на счёте MoMo недостаточно средств
wallet-reason-not-found = у этого номера нет счёта MoMo
wallet-reason-other = MoMo не удалось выполнить операцию

## What the bot did not understand

wallet-unknown =
    Извините, я не понимаю это сообщение.{ $has_suggestion ->
        [yes] {" "}Возможно, вы имели в виду { $suggestion }?
       *[no] {""}
    } Напишите HELP, чтобы увидеть, что можно сделать.
wallet-amount-missing = Укажите сумму после { $command }, например: { $example }
wallet-amount-invalid = «{ $written }» — это не сумма. Напишите её цифрами, например: { $example }
wallet-amount-decimals = В дробной части суммы может быть не больше 2 знаков, например: { $example }
wallet-amount-not-positive = Сумма должна быть больше нуля, например: { $example }
wallet-payee-missing = Укажите номер телефона получателя, например: { $example }
wallet-payee-invalid = «{ $written }» — это не номер телефона. Напишите его так: 0244123456 или +233244123456, например: { $example }

## Statement PDF
# STATEMENT PDF [<месяц>]: документ, подпись и имя файла. $month — от 1 до 12.

wallet-pdf-title = Выписка по счёту
wallet-pdf-month = { $month ->
        [1] январь
        [2] февраль
        [3] март
        [4] апрель
        [5] май
        [6] июнь
        [7] июль
        [8] август
        [9] сентябрь
        [10] октябрь
        [11] ноябрь
       *[12] декабрь
    } { $year }
wallet-pdf-holder = Владелец счёта: { $name }
wallet-pdf-account = Счёт: { $account }
wallet-pdf-currency = Валюта: { $currency }
wallet-pdf-period = Период: { $from } – { $to }
wallet-pdf-col-date = Дата
wallet-pdf-col-description = Описание
wallet-pdf-col-amount = Сумма
wallet-pdf-col-balance = Остаток
wallet-pdf-opening = Входящий остаток
wallet-pdf-closing = Исходящий остаток
wallet-pdf-no-movements = За этот период операций нет.
wallet-pdf-truncated = Показаны только последние { $count } операций периода.
wallet-pdf-generated = Сформировано { $at } ({ $zone })
wallet-pdf-filename = vypiska-{ $period }.pdf
wallet-pdf-caption = Ваша выписка за { $period }: { $count ->
        [one] { $count } операция
        [few] { $count } операции
       *[other] { $count } операций
    }, исходящий остаток { $closing }.
wallet-pdf-future = Выписки за { $period } ещё нет. Напишите STATEMENT PDF, чтобы получить выписку за текущий месяц.
wallet-pdf-unavailable = Сейчас не удаётся сформировать выписку в PDF. Попробуйте позже или напишите STATEMENT, чтобы увидеть последние операции здесь.
wallet-pdf-period-invalid = «{ $written }» — это не месяц. Напишите, например: STATEMENT PDF 2026-11.
## Сусу (сберегательная касса по кругу) и бонусные баллы

wallet-kind-susu-contribution = взнос сусу
wallet-kind-susu-payout = выплата сусу
wallet-kind-points-credit = баллы обменяны
wallet-confirm-susu =
    Внести { $amount } в группу сусу { $payee }?
    Ответьте ДА для подтверждения или НЕТ для отмены (действует { $minutes } мин.).
wallet-confirm-redeem =
    Обменять баллы на { $amount } в кошельке?
    Ответьте ДА для подтверждения или НЕТ для отмены (действует { $minutes } мин.).
susu-none = Вы пока не состоите в группе сусу. Вступите командой SUSU JOIN <код>.
susu-summary =
    Ваши группы сусу:
    { $lines }
susu-group-not-started = { $group } ({ $code }): { $amount } за цикл, участников { $members } из { $seats }, ещё не началась.
susu-group-finished = { $group } ({ $code }): все циклы завершены.
susu-group-cycle =
    { $group } ({ $code }): цикл { $cycle } из { $cycles }, по { $amount }, до { $ends }.
    Оплатили: { $paid } из { $members }. { $my_turn ->
        [yes] Ваша очередь получить кассу.
       *[no] Кассу получает { $turn }.
    } { $paid_out ->
        [yes] Касса выплачена.
       *[no] { $mine_paid ->
            [yes] Вы оплатили этот цикл.
           *[no] Вы ещё не оплатили: SUSU PAY.
        }
    }
susu-joined = Вы вступили в { $group } (место { $seat } из { $seats }). Взнос за цикл: { $amount }.
susu-already-member = Вы уже участник { $group }.
susu-full = В { $group } нет свободных мест.
susu-no-such-group = Группы сусу с кодом { $code } нет.
susu-nothing-due = Платить нечего: вы оплатили все текущие циклы своих групп.
susu-not-started = { $group } ещё не началась.
susu-waiting-members = { $group } ждёт ещё участников: { $left }.
susu-already-paid = Вы уже оплатили этот цикл { $group }.
susu-cycle-over = Этот цикл завершён: ничего не списано. Напишите SUSU, чтобы увидеть текущий.
susu-paid = Оплачено ✅ { $amount } в { $group }. Этот цикл оплатили { $paid } из { $members }.
susu-payout-notice = { $mine ->
        [yes] Касса { $group } на { $amount } в этом цикле ваша ✅ Деньги в кошельке.
       *[no] Касса { $group } на { $amount } в этом цикле ушла к { $name }.
    }
susu-event-payout = касса сусу выплачена
points-summary = У вас { $points } баллов (на { $worth }). { $has_lines ->
        [yes] Последние начисления:
            { $lines }
       *[no] Баллы начисляются за каждый SEND и TOPUP.
    }
points-line = { $date }  +{ $points } за { $source }
points-source-send = перевод
points-source-topup = пополнение
points-refused-over = Нельзя обменять { $asked } баллов: у вас { $points }.
points-redeemed = Обменяно ✅ { $asked } баллов на { $amount }. Ваш баланс: { $balance }. Осталось баллов: { $points }.
