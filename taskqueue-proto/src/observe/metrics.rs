//! [`MetricsObserver`]: the SDK's events as metrics through the `metrics`
//! facade (feature `metrics`); install any recorder (Prometheus, StatsD,
//! OpenTelemetry) and they appear there.

use metrics::{counter, histogram};

use super::{AttemptEvent, CallEvent, Observer, ThrottleEvent};
use crate::retry::RetryDecision;

/// Counts attempts, calls, retries and throttling, and times calls and
/// attempts, under stable names:
///
/// | name | kind | labels |
/// |---|---|---|
/// | `taskqueue_client_attempts_total` | counter | `operation`, `outcome` (status code or transport failure) |
/// | `taskqueue_client_attempt_duration_seconds` | histogram | `operation` |
/// | `taskqueue_client_retries_total` | counter | `operation` |
/// | `taskqueue_client_calls_total` | counter | `operation`, `outcome` (`ok` or the error's kind) |
/// | `taskqueue_client_call_duration_seconds` | histogram | `operation`, `outcome` |
/// | `taskqueue_client_throttled_total` | counter | `operation`, `by` (`budget` or `rate_limiter`) |
///
/// Routes and ids are never labels (unbounded cardinality); the operation
/// names a route.
///
/// ```
/// let config = taskqueue_proto::Config::builder()
///     .observer(std::sync::Arc::new(taskqueue_proto::observe::MetricsObserver))
///     .build()?;
/// # let _ = config;
/// # Ok::<(), taskqueue_proto::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct MetricsObserver;

impl Observer for MetricsObserver {
    fn attempt(&self, e: &AttemptEvent<'_>) {
        let operation = e.operation;
        counter!("taskqueue_client_attempts_total", "operation" => operation, "outcome" => e.outcome.label())
            .increment(1);
        histogram!("taskqueue_client_attempt_duration_seconds", "operation" => operation)
            .record(e.duration.as_secs_f64());
        if matches!(e.decision, Some(RetryDecision::Retry(_))) {
            counter!("taskqueue_client_retries_total", "operation" => operation).increment(1);
        }
        if e.budget_refused() {
            counter!("taskqueue_client_throttled_total", "operation" => operation, "by" => "budget").increment(1);
        }
    }

    fn call(&self, e: &CallEvent<'_>) {
        let (operation, outcome) = (e.operation, e.outcome());
        counter!("taskqueue_client_calls_total", "operation" => operation, "outcome" => outcome).increment(1);
        histogram!("taskqueue_client_call_duration_seconds", "operation" => operation, "outcome" => outcome)
            .record(e.duration.as_secs_f64());
    }

    fn throttled(&self, e: &ThrottleEvent) {
        counter!("taskqueue_client_throttled_total", "operation" => e.operation, "by" => "rate_limiter").increment(1);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use metrics::{
        Counter, CounterFn, Gauge, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder, SharedString, Unit,
    };

    use super::*;
    use crate::observe::AttemptOutcome;
    use crate::retry::GiveUp;

    /// Every counter's total and every histogram's sample count, by name and labels.
    #[derive(Default)]
    struct Totals(Mutex<Vec<(String, Arc<AtomicU64>)>>);

    struct Count(Arc<AtomicU64>);
    impl CounterFn for Count {
        fn increment(&self, value: u64) {
            self.0.fetch_add(value, Ordering::Relaxed);
        }
        fn absolute(&self, value: u64) {
            self.0.store(value, Ordering::Relaxed);
        }
    }
    impl HistogramFn for Count {
        fn record(&self, _: f64) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    impl Totals {
        fn slot(&self, key: &Key) -> Arc<AtomicU64> {
            let labels: Vec<String> = key.labels().map(|l| format!("{}={}", l.key(), l.value())).collect();
            let name = format!("{}{{{}}}", key.name(), labels.join(","));
            let mut all = self.0.lock().unwrap();
            if let Some((_, slot)) = all.iter().find(|(n, _)| *n == name) {
                return slot.clone();
            }
            let slot = Arc::new(AtomicU64::new(0));
            all.push((name, slot.clone()));
            slot
        }
        fn get(&self, name: &str) -> u64 {
            let all = self.0.lock().unwrap();
            all.iter()
                .find(|(n, _)| n == name)
                .map_or(0, |(_, v)| v.load(Ordering::Relaxed))
        }
    }

    impl Recorder for Totals {
        fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
            Counter::from_arc(Arc::new(Count(self.slot(key))))
        }
        fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
            Gauge::noop()
        }
        fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
            Histogram::from_arc(Arc::new(Count(self.slot(key))))
        }
    }

    #[test]
    fn events_become_the_documented_metrics() {
        let totals = Totals::default();
        metrics::with_local_recorder(&totals, || {
            let method = http::Method::GET;
            let attempt = |outcome, decision| AttemptEvent {
                operation: "get_task",
                method: &method,
                route: "/api/tasks/{id}",
                attempt: 1,
                outcome,
                duration: Duration::from_millis(3),
                decision,
            };
            let unavailable = AttemptOutcome::Status(http::StatusCode::SERVICE_UNAVAILABLE);
            MetricsObserver.attempt(&attempt(unavailable, Some(RetryDecision::Retry(Duration::ZERO))));
            MetricsObserver.attempt(&attempt(
                unavailable,
                Some(RetryDecision::GiveUp(GiveUp::BudgetExhausted)),
            ));
            MetricsObserver.attempt(&attempt(AttemptOutcome::Status(http::StatusCode::OK), None));
            MetricsObserver.call(&CallEvent {
                operation: "get_task",
                attempts: 3,
                duration: Duration::from_millis(9),
                error: None,
            });
            MetricsObserver.throttled(&ThrottleEvent {
                operation: "get_task",
                wait: Duration::from_millis(5),
            });
        });
        assert_eq!(
            totals.get("taskqueue_client_attempts_total{operation=get_task,outcome=503}"),
            2
        );
        assert_eq!(
            totals.get("taskqueue_client_attempts_total{operation=get_task,outcome=200}"),
            1
        );
        assert_eq!(
            totals.get("taskqueue_client_attempt_duration_seconds{operation=get_task}"),
            3
        );
        assert_eq!(totals.get("taskqueue_client_retries_total{operation=get_task}"), 1);
        assert_eq!(
            totals.get("taskqueue_client_calls_total{operation=get_task,outcome=ok}"),
            1
        );
        assert_eq!(
            totals.get("taskqueue_client_call_duration_seconds{operation=get_task,outcome=ok}"),
            1
        );
        assert_eq!(
            totals.get("taskqueue_client_throttled_total{operation=get_task,by=budget}"),
            1
        );
        assert_eq!(
            totals.get("taskqueue_client_throttled_total{operation=get_task,by=rate_limiter}"),
            1
        );
    }
}
