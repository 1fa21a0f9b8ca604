"""The words the page scripts show (static/js), translated on the server: a page that loads a script puts
`script_words("<script>")` in a `<script type="application/json" id="uv-words">` block (data, never run), and
the script looks each English text up there, keeping the English when the block or the text is missing. So
the scripts need no translation framework, and the catalogues hold their words like every other message.

A text may hold `%(name)s` placeholders, which the script fills in (the translation keeps them).
"""

from __future__ import annotations

import json

from markupsafe import Markup

from unionvote.i18n import N_, gettext

WORDS: dict[str, tuple[str, ...]] = {
    "sealcheck": (
        N_("Loading the check…"),
        N_("The check could not be loaded. You can still cast your vote with the button below."),
        N_("The server answered %(status)s."),
        N_("no option (a blank vote)"),
        N_("You changed your choice. Press “Check the sealing first” to seal it again, or cast your vote."),
        N_("Sealing your choice…"),
        N_("Cast this sealed vote"),
        N_("Challenge it: show me it is my choice"),
        N_("The server has sealed your choice: %(choice)s. It has %(parts)s encrypted parts. Cast it, or challenge "
           "it to see that it holds your choice (a challenged sealing is then set aside and a fresh one made)."),
        N_("Asking the server to reveal how it sealed your choice…"),
        N_("Checked: the server sealed exactly what you chose (%(choice)s). All %(parts)s encrypted parts were "
           "recomputed in this page from the randomness it revealed. That sealing has been shown, so it will not "
           "be cast."),
        N_("Warning: the sealing does NOT match the choice on your screen. Do not cast it. Tell the returning "
           "officer now."),
        N_("A fresh sealing has been made for you to cast:"),
        N_("%(reason)s You can still cast your vote with the button below."),
    ),
    "trustee": (
        N_("Key loaded (%(source)s): public key %(key)s…. It stays in this page's memory until you leave or reload "
           "the page, and is never sent to the server."),
        N_("It is not a key file (not JSON)."),
        N_("That file was not loaded: %(reason)s"),
        N_("made here"),
        N_("Its file, %(name)s, has been downloaded: keep it safe, off shared computers. Now register its public "
           "key with the form below."),
        N_("Load your key file first (or make a key), then press “Decrypt the result” again."),
        N_("Decrypting ballot %(ballot)s…"),
        N_("The sealed tally could not be fetched."),
        N_("The partial decryption was refused."),
        N_("Ballot %(ballot)s: %(message)s (checked, decrypted and sent in %(seconds)s s.)"),
        N_("The server could not be reached."),
        N_("Ballot %(ballot)s was not decrypted: %(reason)s"),
        # trustee.js's refusals a trustee can act on (the file-format ones name fields and stay English)
        N_("This is not a unionvote trustee key file (version 1)."),
        N_("The key file's public key does not match its secret key."),
        N_("The sealed tally file is missing or misshapes a field."),
        N_("The sealed tally file's election key or sum rule is not usable."),
        N_("The stated tally is not the weighted sum of the votes."),
        N_("The file's trustees are missing."),
        N_("The papers file is missing or misshapes a field."),
        N_("Your key is not one of this ballot's trustees' keys."),
        N_("papers_hash is not the hash of the papers listed."),
    ),
}


def script_words(script: str) -> Markup:
    """The words of `script` in the reader's language, as JSON safe inside a <script> element."""
    found = {english: gettext(english) for english in WORDS[script]}
    text = json.dumps({k: v for k, v in found.items() if v != k}, ensure_ascii=False, sort_keys=True)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))  # noqa: S704
