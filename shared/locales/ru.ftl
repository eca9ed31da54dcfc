# Russian chat copy. Same ids and variables as en.ftl (see the conventions there).
# Polite "вы"; the bot never speaks of itself in the past tense, which in Russian would give
# it a gender.

language-name = Русский

## Onboarding and help

welcome =
    { $has_name ->
        [yes] Здравствуйте, { $name }! 👋
       *[no] Здравствуйте! 👋
    }
    Отправьте мне сумму, и я создам ссылку на оплату, например: pay 100 "Кофе" #cafe
    Напишите help, чтобы увидеть все команды.

help =
    Вот что я понимаю:
    • pay <сумма> ["описание"] [#тег] — ссылка на оплату; описание и тег необязательны
      например: pay 100 "Кофе и круассан" #cafe
    • просто сумма — то же самое, например: 100
    • /rtp <сумма> <телефон плательщика> ["описание"] [#тег] — запрос на оплату на телефон плательщика
      например: /rtp 250 069123456 "Ужин" #table5
    • /lang — сменить язык, например: /lang{ $multi_merchant ->
        [yes] {"\u000A"}• /merchant — выбрать компанию, которая получает платежи, например: /merchant
       *[no] {""}
    }
    • help — этот список

unknown-seller =
    Извините, этот номер не зарегистрирован как продавец, поэтому создавать для него ссылки на оплату нельзя.
    Попросите свой банк или платёжного партнёра зарегистрировать его.

seller-blocked = Ссылки на оплату для этого номера заблокированы. Пожалуйста, обратитесь в свой банк.

## Payment links

link-created =
    Ссылка на оплату { $amount }{ $has_description ->
        [yes] {" "}— «{ $description }»
       *[no] {""}
    }{ $has_tag ->
        [yes] {" "}#{ $tag }
       *[no] {""}
    }:
    { $url }
    Отправьте её плательщику — я сообщу, когда оплата пройдёт.

rtp-sent =
    Запрос на оплату { $amount }{ $has_description ->
        [yes] {" "}— «{ $description }»
       *[no] {""}
    }{ $has_tag ->
        [yes] {" "}#{ $tag }
       *[no] {""}
    } отправлен на номер { $payer }.
    Плательщик также может оплатить по ссылке:
    { $url }
    Я сообщу, когда оплата пройдёт.

link-failed = Сейчас не получается создать ссылку на оплату. Ничего не списано — попробуйте ещё раз через минуту.

link-not-configured =
    Эта компания не подключена к такому виду оплаты (например, запросы на оплату не включены).
    Пожалуйста, обратитесь в свой банк.

## Refusals: each says what was wrong and shows a message that works

error-empty = В сообщении нет текста. Отправьте сумму, чтобы получить ссылку на оплату, например: pay 100

error-unknown-command =
    { $has_suggestion ->
        [yes] Такой команды нет. Возможно, вы имели в виду { $suggestion }?
       *[no] Такой команды нет.
    }
    Напишите help, чтобы увидеть все команды. Например, pay 100 создаёт ссылку на оплату.

error-amount-missing = Укажите сумму, например: pay 100

error-amount-invalid = «{ $input }» не похоже на сумму. Напишите её цифрами, например: pay 150 или pay 12.50

error-amount-not-positive = Сумма должна быть больше нуля, например: pay 100

error-amount-decimals = В дробной части суммы может быть не больше двух знаков, например: pay 12.50

error-amount-above-cap = Сумма превышает лимит { $cap } для одной ссылки. Укажите сумму поменьше, например: pay 100

error-currency = Здесь суммы принимаются только в { $currency }. Просто отправьте число, например: pay 100

# "не больше N …" takes the genitive: 1, 21 символа; 2, 5, 11 символов.
error-description-too-long =
    Описание слишком длинное — не больше { $max } { NUMBER($max) ->
        [one] символа
       *[other] символов
    }. Сократите его, например: pay 100 "Кофе"

# "до N …" takes the genitive: 1, 21 буквы; 2, 5, 11 букв.
error-tag-invalid =
    Тег — это # и до { $max } { NUMBER($max) ->
        [one] буквы или цифры
       *[other] букв или цифр
    } без пробелов, например: pay 100 #cafe

error-payer-missing = Укажите телефон плательщика после суммы, например: /rtp 100 069123456

error-payer-phone = Это не похоже на номер телефона. Напишите так: /rtp 100 069123456

error-internal = Извините, у нас что-то пошло не так. Попробуйте ещё раз чуть позже.

## Language picker (button ≤ 20 characters, section ≤ 24: WhatsApp list limits)

lang-prompt = Выберите язык:
lang-button = Выбрать язык
lang-section = Языки
lang-changed = Готово! Теперь я буду писать по-русски.

## Merchant picker (same limits)

merchant-prompt = Выберите компанию, на счёт которой будут поступать платежи:
merchant-button = Выбрать компанию
merchant-section = Компании
merchant-selected = Готово — теперь платежи поступают на счёт { $name }.
merchant-none = К этому номеру не привязана ни одна компания. Пожалуйста, обратитесь в свой банк.

## Payment status updates

payment-paid =
    ✅ Оплата получена: { $amount }{ $has_description ->
        [yes] {" "}— «{ $description }»
       *[no] {""}
    }{ $has_tag ->
        [yes] {" "}#{ $tag }
       *[no] {""}
    }{ $has_bank ->
        [yes] {"\u000A"}Банк плательщика: { $bank }
       *[no] {""}
    }

payment-failed =
    ❌ Оплата не прошла: { $amount }{ $has_description ->
        [yes] {" "}— «{ $description }»
       *[no] {""}
    }{ $has_tag ->
        [yes] {" "}#{ $tag }
       *[no] {""}
    }
    Отправьте сумму ещё раз, чтобы создать новую ссылку.

payment-declined =
    Плательщик отклонил оплату: { $amount }{ $has_description ->
        [yes] {" "}— «{ $description }»
       *[no] {""}
    }{ $has_tag ->
        [yes] {" "}#{ $tag }
       *[no] {""}
    }
    Отправьте сумму ещё раз, если нужна новая ссылка.

payment-expired =
    ⌛ Ссылка истекла без оплаты: { $amount }{ $has_description ->
        [yes] {" "}— «{ $description }»
       *[no] {""}
    }{ $has_tag ->
        [yes] {" "}#{ $tag }
       *[no] {""}
    }
    Отправьте сумму ещё раз, чтобы создать новую.

# The header of a list of updates; the caller appends the list.
# 1, 21 обновление; 2–4, 22 обновления; 5–20, 25 обновлений; "other" is for fractions.
payment-digest =
    { NUMBER($count) ->
        [one] { $count } обновление по платежам:
        [few] { $count } обновления по платежам:
        [many] { $count } обновлений по платежам:
       *[other] { $count } обновления по платежам:
    }

## Template parameters (one line each: Meta refuses newlines and tabs in parameters)

template-status-success = оплачен
template-status-failed = не прошёл
template-status-declined = отклонён плательщиком
template-status-expired = истёк без оплаты
template-no-description = —

## Управление оператора: пауза бота и передача человеку (любой номер)

bot-paused = Ассистент временно приостановлен. Ваше сообщение получено; пожалуйста, напишите чуть позже.
handoff-opened = Сотрудник нашей команды скоро ответит вам здесь. До тех пор я молчу; ваши сообщения дойдут до него.
