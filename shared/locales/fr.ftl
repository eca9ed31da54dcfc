# French chat copy. Same ids and variables as en.ftl (see the conventions there).
# "Vous"; French typography: a no-break space (U+00A0) before ":" and inside « »,
# a narrow no-break space (U+202F) before ; ! ? — so a line never starts with the sign.

language-name = Français

## Onboarding and help

welcome =
    { $has_name ->
        [yes] Bonjour { $name } ! 👋
       *[no] Bonjour ! 👋
    }
    Envoyez-moi un montant et je crée un lien de paiement, par exemple : pay 100 "Café" #cafe
    Tapez help pour voir toutes les commandes.

help =
    Voici ce que je comprends :
    • pay <montant> ["description"] [#étiquette] — un lien de paiement ; description et étiquette facultatives
      ex. : pay 100 "Café croissant" #cafe
    • le montant seul — pareil, ex. : 100
    • /rtp <montant> <téléphone du payeur> ["description"] [#étiquette] — une demande de paiement envoyée au téléphone du payeur
      ex. : /rtp 250 069123456 "Dîner" #table5
    • /lang — changer de langue, ex. : /lang{ $multi_merchant ->
        [yes] {"\u000A"}• /merchant — choisir le marchand qui reçoit vos paiements, ex. : /merchant
       *[no] {""}
    }
    • help — cette liste

unknown-seller =
    Désolé, ce numéro n'est pas enregistré comme vendeur : je ne peux pas créer de liens de paiement pour lui.
    Demandez à votre banque ou à votre partenaire de paiement de l'enregistrer.

seller-blocked = Les liens de paiement sont bloqués pour ce numéro. Veuillez contacter votre banque.

## Payment links

link-created =
    Lien de paiement pour { $amount }{ $has_description ->
        [yes] {" "}— « { $description } »
       *[no] {""}
    }{ $has_tag ->
        [yes] {" "}#{ $tag }
       *[no] {""}
    } :
    { $url }
    Envoyez-le au payeur — je vous préviens dès qu'il est payé.

rtp-sent =
    Demande de paiement de { $amount }{ $has_description ->
        [yes] {" "}— « { $description } »
       *[no] {""}
    }{ $has_tag ->
        [yes] {" "}#{ $tag }
       *[no] {""}
    } envoyée au { $payer }.
    Le payeur peut aussi payer avec ce lien :
    { $url }
    Je vous préviens dès qu'elle est payée.

link-failed = Impossible de créer le lien de paiement pour le moment. Rien n'a été débité — réessayez dans une minute.

link-not-configured =
    Ce marchand n'est pas configuré pour ce type de paiement (par exemple, la demande de paiement n'est pas activée).
    Veuillez contacter votre banque.

## Refusals: each says what was wrong and shows a message that works

error-empty = Votre message ne contient pas de texte. Envoyez-moi un montant pour obtenir un lien de paiement, par exemple : pay 100

error-unknown-command =
    { $has_suggestion ->
        [yes] Je ne connais pas cette commande. Vouliez-vous dire { $suggestion } ?
       *[no] Je ne connais pas cette commande.
    }
    Tapez help pour voir toutes les commandes. Par exemple, pay 100 crée un lien de paiement.

error-amount-missing = Indiquez un montant, par exemple : pay 100

error-amount-invalid = « { $input } » n'est pas un montant valide. Écrivez-le en chiffres, par exemple : pay 150 ou pay 12.50

error-amount-not-positive = Le montant doit être supérieur à zéro, par exemple : pay 100

error-amount-decimals = Le montant peut avoir au plus deux décimales, par exemple : pay 12.50

error-amount-above-cap = Ce montant dépasse la limite de { $cap } par lien de paiement. Essayez un montant plus petit, par exemple : pay 100

error-currency = Ici, les montants sont uniquement en { $currency }. Envoyez simplement le nombre, par exemple : pay 100

error-description-too-long =
    La description est trop longue — { $max } { NUMBER($max) ->
        [one] caractère
       *[other] caractères
    } au maximum. Raccourcissez-la, par exemple : pay 100 "Café"

error-tag-invalid =
    Une étiquette, c'est # suivi d'au plus { $max } { NUMBER($max) ->
        [one] lettre ou chiffre
       *[other] lettres ou chiffres
    }, sans espace, par exemple : pay 100 #cafe

error-payer-missing = Ajoutez le téléphone du payeur après le montant, par exemple : /rtp 100 069123456

error-payer-phone = Ce numéro de téléphone ne semble pas valide. Écrivez-le ainsi : /rtp 100 069123456

error-internal = Désolé, un problème est survenu de notre côté. Réessayez dans un instant.

## Language picker (button ≤ 20 characters, section ≤ 24: WhatsApp list limits)

lang-prompt = Choisissez votre langue :
lang-button = Choisir la langue
lang-section = Langues
lang-changed = C'est fait ! Désormais, je vous écris en français.

## Merchant picker (same limits)

merchant-prompt = Choisissez le marchand qui reçoit vos paiements :
merchant-button = Choisir le marchand
merchant-section = Marchands
merchant-selected = C'est fait — les paiements vont désormais à { $name }.
merchant-none = Aucun marchand n'est associé à ce numéro. Veuillez contacter votre banque.

## Payment status updates

payment-paid =
    ✅ Paiement reçu : { $amount }{ $has_description ->
        [yes] {" "}— « { $description } »
       *[no] {""}
    }{ $has_tag ->
        [yes] {" "}#{ $tag }
       *[no] {""}
    }{ $has_bank ->
        [yes] {"\u000A"}Banque du payeur : { $bank }
       *[no] {""}
    }

payment-failed =
    ❌ Le paiement a échoué : { $amount }{ $has_description ->
        [yes] {" "}— « { $description } »
       *[no] {""}
    }{ $has_tag ->
        [yes] {" "}#{ $tag }
       *[no] {""}
    }
    Envoyez à nouveau le montant pour créer un nouveau lien.

payment-declined =
    Le payeur a refusé le paiement : { $amount }{ $has_description ->
        [yes] {" "}— « { $description } »
       *[no] {""}
    }{ $has_tag ->
        [yes] {" "}#{ $tag }
       *[no] {""}
    }
    Envoyez à nouveau le montant si vous voulez un nouveau lien.

payment-expired =
    ⌛ Le lien a expiré sans être payé : { $amount }{ $has_description ->
        [yes] {" "}— « { $description } »
       *[no] {""}
    }{ $has_tag ->
        [yes] {" "}#{ $tag }
       *[no] {""}
    }
    Envoyez à nouveau le montant pour en créer un nouveau.

# The header of a list of updates; the caller appends the list.
# French "one" covers 0 and 1; "many" (millions) reads like "other" here.
payment-digest =
    { NUMBER($count) ->
        [one] Du nouveau sur { $count } paiement :
       *[other] Du nouveau sur { $count } paiements :
    }

## Template parameters (one line each: Meta refuses newlines and tabs in parameters)

template-status-success = payé
template-status-failed = échoué
template-status-declined = refusé par le payeur
template-status-expired = expiré sans paiement
template-no-description = —

## Les contrôles de l’opérateur : pause du bot et passage à une personne (tout numéro)

bot-paused = L’assistant est en pause pour un moment. Votre message a bien été reçu ; merci de réécrire un peu plus tard.
handoff-opened = Une personne de notre équipe va vous répondre ici sous peu. D’ici là, je ne réponds plus ; vos messages lui parviennent.
