//! The bot token: checked (the command line reads it from `TELOXIDE_TOKEN`), and
//! kept out of every log line and error message.

use std::sync::Mutex;

/// The environment variable holding the token (teloxide's convention).
pub const TOKEN_VAR: &str = "TELOXIDE_TOKEN";

/// How to get a token, for error messages.
const HOW_TO: &str = "create a bot with @BotFather in Telegram (send /newbot), copy the token it gives you \
(it looks like 123456789:AAE…), and set it: export TELOXIDE_TOKEN='123456789:AAE…'";

/// The tokens of the bots in this process, so [`redact`] can hide them wherever text
/// is logged. (One in production; tests run several bots.)
static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Checks a token's shape (`<bot id>:<secret>`), without ever echoing it back.
pub fn check(token: &str) -> anyhow::Result<()> {
    if token.is_empty() {
        anyhow::bail!("{TOKEN_VAR} is not set: {HOW_TO}");
    }
    let valid = match token.split_once(':') {
        Some((id, secret)) => {
            !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_digit())
                && secret.len() >= 30
                && secret
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        }
        None => false,
    };
    if !valid {
        anyhow::bail!(
            "{TOKEN_VAR} does not look like a bot token ({} characters; expected digits, a colon, then at least 30 letters, digits, - or _): {HOW_TO}",
            token.chars().count()
        );
    }
    Ok(())
}

/// Remembers `token` for [`redact`].
pub fn remember(token: &str) {
    let mut secrets = SECRETS.lock().unwrap_or_else(|e| e.into_inner());
    if !token.is_empty() && !secrets.iter().any(|t| t == token) {
        secrets.push(token.to_owned());
    }
}

/// `text` with every remembered token (and its secret half) replaced by `<token>`.
pub fn redact(text: &str) -> String {
    let secrets = SECRETS.lock().unwrap_or_else(|e| e.into_inner());
    let mut out = text.to_owned();
    for token in secrets.iter() {
        out = out.replace(token.as_str(), "<token>");
        if let Some((_, secret)) = token.split_once(':').filter(|(_, s)| !s.is_empty()) {
            out = out.replace(secret, "<token>");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "123456789:AAE_abcdefghijklmnopqrstuvwxyz-0123";

    #[test]
    fn a_missing_token_says_how_to_get_one() {
        let err = check("").unwrap_err().to_string();
        assert!(err.contains("TELOXIDE_TOKEN is not set"), "{err}");
        assert!(err.contains("@BotFather"), "{err}");
    }

    #[test]
    fn a_malformed_token_is_rejected_without_being_echoed() {
        for bad in [
            "hello",
            "abc:defghijklmnopqrstuvwxyz0123456789",
            "123:short",
            "123:has spaces in it and is long enough",
        ] {
            let err = check(bad).unwrap_err().to_string();
            assert!(err.contains("does not look like a bot token"), "{err}");
            assert!(!err.contains(bad), "the token leaked into: {err}");
        }
        check(GOOD).expect("a well-formed token");
    }

    #[test]
    fn redact_hides_the_token_and_its_secret_half() {
        remember(GOOD);
        remember("42:AAAnotherTokenAnotherTokenAnotherToken");
        let token = GOOD.to_owned();
        let line =
            format!("error sending request for url (https://api.telegram.org/bot{token}/GetMe)");
        let red = redact(&line);
        assert!(!red.contains(&token), "{red}");
        assert!(red.contains("<token>"), "{red}");
        let secret = token.split_once(':').map(|x| x.1).unwrap_or_default();
        assert!(!redact(secret).contains(secret));
        assert!(
            !redact("bot42:AAAnotherTokenAnotherTokenAnotherToken/GetMe").contains("AAAnother")
        );
    }
}
