# English copy of the operator console (the reference for ro, ru, fr, de: same ids and
# variables). The console's labels start with `console-`; `operator-reply` is what a user
# reads when an operator answers an escalated conversation ($text as the operator wrote it).

operator-reply = Reply from our team: { $text }

## The page

console-title = Operator console
console-sign-in = Sign in
console-sign-out = Sign out
console-token = Access token
console-username = User name
console-password = Password
console-sign-in-failed = Sign-in failed. Check the details and try again.
console-forbidden = Your account may not use the console.
console-language = Language
console-refresh = Refresh
console-error = This could not be loaded or saved. Try again.
console-none = None
console-not-offered = Not offered on this number
console-role-viewer = Viewer (read only)
console-role-operator = Operator
console-number = Business number

## Figures

console-bot = Bot
console-bot-on = Answering
console-bot-off = Paused
console-switch-off = Pause the bot
console-switch-on = Resume the bot
console-provider = API provider
console-provider-cloud-api = WhatsApp Cloud API
console-webhook = Webhook
console-webhook-connected = Connected
console-webhook-silent = Nothing received recently
console-webhook-last = Last received
console-webhook-url = Webhook URL
console-signature-failures = Signature failures (24 h)
console-linked-users = Linked users
console-linked-share = Share of all wallet accounts
console-active-today = Active today
console-transactions-today = Transactions today
console-transactions-month = Transactions this month
console-volume-today = Volume today
console-volume-month = Volume this month
console-failed-transactions = Failed transactions this month
console-response-time = Average response time (7 days)
console-percentiles = p50 / p95
console-change = Change against the 7 days before
console-escalation-rate = Human escalation rate (7 days)
console-alerts = Suspicious alerts
console-alerts-open = Unacknowledged
console-acknowledge = Acknowledge
console-acknowledged = Acknowledged
console-commands = Command frequency this month
console-commands-total = Commands this month
console-failed-log = Failed commands
console-failed-total = Occurrences in total
console-col-command = Command
console-col-error = Error type
console-col-fix = Suggested fix
console-col-count = Occurrences
console-col-last-seen = Last seen
console-col-share = Share

## Actions

console-aliases = Taught aliases
console-alias = Alias (what users write)
console-alias-command = Command it stands for
console-teach = Teach alias
console-forget = Forget
console-escalations = Conversations with a person
console-reply = Send reply
console-reply-placeholder = Your answer to the user
console-release = Release to the bot
console-from-user = User
console-from-operator = Operator

## Pictures

console-chart-commands = Commands this month
console-chart-transactions = Transactions and volume, last 30 days
console-chart-responses = Response times, last 7 days
console-chart-count = Count
console-chart-volume = Volume
