# Русская копия консоли оператора (те же id и переменные, что в en.ftl).

operator-reply = Ответ нашей команды: { $text }

## Страница

console-title = Консоль оператора
console-sign-in = Войти
console-sign-out = Выйти
console-token = Ключ доступа
console-username = Имя пользователя
console-password = Пароль
console-sign-in-failed = Не удалось войти. Проверьте данные и попробуйте снова.
console-forbidden = Вашей учётной записи консоль недоступна.
console-language = Язык
console-refresh = Обновить
console-error = Не удалось загрузить или сохранить. Попробуйте снова.
console-none = Нет
console-not-offered = Не предлагается на этом номере
console-role-viewer = Наблюдатель (только чтение)
console-role-operator = Оператор
console-number = Бизнес-номер

## Показатели

console-bot = Бот
console-bot-on = Отвечает
console-bot-off = Приостановлен
console-switch-off = Приостановить бота
console-switch-on = Включить бота
console-provider = Провайдер API
console-provider-cloud-api = WhatsApp Cloud API
console-webhook = Вебхук
console-webhook-connected = Подключён
console-webhook-silent = Давно ничего не приходило
console-webhook-last = Последний приём
console-webhook-url = URL вебхука
console-signature-failures = Ошибки подписи (24 ч)
console-linked-users = Привязанные пользователи
console-linked-share = Доля от всех счетов кошелька
console-active-today = Активны сегодня
console-transactions-today = Транзакции сегодня
console-transactions-month = Транзакции за месяц
console-volume-today = Объём сегодня
console-volume-month = Объём за месяц
console-failed-transactions = Неудачные транзакции за месяц
console-response-time = Среднее время ответа (7 дней)
console-percentiles = p50 / p95
console-change = По сравнению с предыдущими 7 днями
console-escalation-rate = Доля передачи человеку (7 дней)
console-alerts = Подозрительные события
console-alerts-open = Не подтверждены
console-acknowledge = Подтвердить
console-acknowledged = Подтверждено
console-commands = Частота команд за месяц
console-commands-total = Команд за месяц
console-failed-log = Нераспознанные команды
console-failed-total = Всего случаев
console-col-command = Команда
console-col-error = Тип ошибки
console-col-fix = Предлагаемое исправление
console-col-count = Случаев
console-col-last-seen = Последний раз
console-col-share = Доля

## Действия

console-aliases = Выученные синонимы
console-alias = Синоним (что пишут пользователи)
console-alias-command = Команда, которую он заменяет
console-teach = Выучить синоним
console-forget = Забыть
console-escalations = Разговоры с человеком
console-reply = Отправить ответ
console-reply-placeholder = Ваш ответ пользователю
console-release = Вернуть боту
console-from-user = Пользователь
console-from-operator = Оператор

## Графики

console-chart-commands = Команды за месяц
console-chart-transactions = Транзакции и объём за 30 дней
console-chart-responses = Время ответа за 7 дней
console-chart-count = Количество
console-chart-volume = Объём
