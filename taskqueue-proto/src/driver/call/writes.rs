//! Writes under ambiguity, for [`Call`]: which requests are harmless to
//! send again, the call's idempotency key, reconciling a write that may have
//! been applied, and the [`Error::OutcomeUnknown`] where nothing can be
//! checked (see [`may_have_been_applied`](crate::retry::may_have_been_applied)).

use std::time::Instant;

use http::Method;
use uuid::Uuid;

use super::{Call, Exchanges, State};
use crate::Error;
use crate::ops::{Flow, Operation};

impl<O: Operation> Call<O> {
    /// The call's idempotency key: the caller's (from the options, else the
    /// operation's), or one generated for an operation that wants one.
    /// Whether it is the caller's rides along.
    pub(super) fn choose_key(
        &self,
        given: Option<String>,
        generate: impl FnOnce() -> Uuid,
    ) -> Result<(Option<String>, bool), Error> {
        match given.or_else(|| self.op.idempotency_key().map(str::to_owned)) {
            Some(key) => validate_idempotency_key(key).map(|k| (Some(k), true)),
            None if self.op.wants_idempotency_key() && self.config.idempotency_keys() => {
                Ok((Some(generate().to_string()), false))
            }
            None => Ok((None, false)),
        }
    }

    /// After a write that may have been applied failed: the flow's check of
    /// what happened, after a backoff (a reply still on its way lands
    /// meanwhile), or [`Error::OutcomeUnknown`] if the flow has none.
    pub(super) fn reconcile(&mut self, error: Error, jitter: f64, now: Instant) {
        let probe = match &self.exchanges {
            Exchanges::Upstream(state) => state.reconcile(&self.op, &self.config),
            Exchanges::Spec => None,
        };
        match probe {
            Some(Ok((state, request))) => {
                self.in_doubt = Some(Box::new(error));
                self.exchanges = Exchanges::Upstream(state);
                self.pending = Some(self.prepare(request));
                self.step += 1;
                self.attempts_in_step = 0;
                let wait = self.policy().backoff(self.write_attempts.max(1), jitter);
                self.state = match now.checked_add(wait) {
                    Some(until) => State::Sleeping(until),
                    None => State::Ready,
                };
            }
            Some(Err(build)) => {
                let unknown = self.outcome_unknown(error, Some(&build));
                self.state = State::Finished(Some(Err(unknown)));
            }
            None => {
                let unknown = self.outcome_unknown(error, None);
                self.state = State::Finished(Some(Err(unknown)));
            }
        }
    }

    /// Ends the call with `error` — as [`Error::OutcomeUnknown`] if a write
    /// may have been applied: a reconciliation that could not finish, or a
    /// write whose last attempt may have landed.
    pub(super) fn finish_with(&mut self, error: Error) {
        let error = match self.in_doubt.take().map(|e| *e) {
            Some(original) => self.outcome_unknown(original, Some(&error)),
            // This attempt, or an earlier one of the same write, may have landed.
            None if self.write_maybe_applied => self.outcome_unknown(error, None),
            None => error,
        };
        self.state = State::Finished(Some(Err(error)));
    }

    /// The error of a write that may have been applied: what, which call,
    /// and what to check (with the key, where sending it again is safe).
    pub(super) fn outcome_unknown(&self, source: Error, check_failed: Option<&Error>) -> Error {
        let mut check = self.op.outcome_check();
        if let Some(key) = &self.idempotency_key {
            if self.config.dialect().deduplicates_writes() {
                check = format!(
                    "sending it again with the same idempotency key ({key}) is safe: the server answers a repeat \
                     with the first answer; or {check}"
                );
            } else if self.op.wants_idempotency_key() {
                check = format!("{check}; running it again with the idempotency key {key} finds it if it was applied");
            }
        }
        if let Some(failed) = check_failed {
            check = format!("{check} (the SDK's own check failed: {failed})");
        }
        Error::OutcomeUnknown {
            operation: O::NAME,
            request_id: self.request_id.to_string(),
            attempts: self.attempts,
            idempotency_key: self.idempotency_key.clone(),
            check,
            source: Box::new(source),
        }
    }

    /// Whether sending a request again is harmless even if it was applied:
    /// a read, `PUT` or `DELETE`, a write the operation declares repeatable
    /// in this dialect, or a write the server deduplicates by the key it
    /// carries (`keyed`).
    pub(super) fn harmless(&self, method: &Method, keyed: bool) -> bool {
        !self.is_write(method) || (keyed && self.config.dialect().deduplicates_writes())
    }

    /// Whether a request with `method` is a write that is not harmless to
    /// repeat by its nature (a `POST` the operation does not declare repeatable).
    pub(super) fn is_write(&self, method: &Method) -> bool {
        match *method {
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS => false,
            _ => !self.op.repeatable_in(self.config.dialect()),
        }
    }
}

pub(super) fn validate_idempotency_key(key: String) -> Result<String, Error> {
    let ok = (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(key)
    } else {
        Err(Error::invalid_input(
            "idempotency_key",
            "must be 1 to 255 visible ASCII characters",
        ))
    }
}
