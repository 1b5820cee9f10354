//! Attempt deadlines from timers kept between attempts.
//!
//! `tokio::time::timeout` makes a timer for every attempt: it goes into the
//! runtime's timer wheel on the attempt's first wait and out of it when the
//! attempt ends, under the wheel's lock each time; and when the wheel was
//! empty as the runtime last went to sleep (one call at a time, each in its
//! own task), putting it in also wakes the runtime's driver — one `eventfd`
//! write and one more `epoll_wait` a call (tokio issue #5207).
//!
//! A [`TimerPool`] keeps the timers of finished attempts, still in the
//! wheel. The next attempt moves one to its own deadline: later than the
//! timer's last one (same timeout, later start), that is one atomic update —
//! no lock, no wake. A kept timer that reaches its deadline unused fires
//! into nothing and is dropped when next seen. Timers belong to the runtime
//! that made them, so the pool holds one runtime's: asked from another, it
//! lets the old ones go and keeps the new runtime's. A timer is kept only
//! when its attempt ends within that runtime; one dropped elsewhere (after
//! its runtime has ended, say) is dropped, never polled.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use tokio::runtime::{Handle, Id};
use tokio::time::{Instant, Sleep};

/// Timers of finished attempts, at most `capacity`, all of one runtime.
#[derive(Debug)]
pub(crate) struct TimerPool {
    idle: Mutex<Idle>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct Idle {
    runtime: Option<Id>,
    timers: Vec<Pin<Box<Sleep>>>,
}

impl TimerPool {
    /// A pool keeping at most `capacity` timers (the most attempts a
    /// transport runs at once).
    pub(crate) fn new(capacity: usize) -> Self {
        TimerPool {
            idle: Mutex::new(Idle::default()),
            capacity,
        }
    }

    /// A timer of `runtime` (the current one) set to `deadline`: a kept
    /// one moved there, or a new one.
    pub(crate) fn start(&self, runtime: &Handle, deadline: Instant) -> AttemptTimer<'_> {
        let id = runtime.id();
        let mut other_runtime = Vec::new();
        let kept = {
            let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
            if idle.runtime != Some(id) {
                idle.runtime = Some(id);
                other_runtime = std::mem::take(&mut idle.timers);
            }
            // One that fired while kept has left the wheel: it goes.
            std::iter::from_fn(|| idle.timers.pop()).find(|timer| !timer.is_elapsed())
        };
        // Outside the lock: each takes its own runtime's timer lock to go.
        drop(other_runtime);
        let sleep = match kept {
            Some(mut timer) => {
                timer.as_mut().reset(deadline);
                timer
            }
            None => Box::pin(tokio::time::sleep_until(deadline)),
        };
        AttemptTimer {
            sleep: Some(sleep),
            waker: None,
            runtime: id,
            pool: self,
        }
    }

    /// How many timers are kept (for tests).
    #[cfg(test)]
    fn kept(&self) -> usize {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner).timers.len()
    }

    fn keep(&self, runtime: Id, mut timer: Pin<Box<Sleep>>) {
        // Only within its own runtime, running: a timer polled once its
        // runtime has ended (a future dropped after it) panics. Elsewhere
        // it is dropped, which is always safe.
        if Handle::try_current().ok().map(|current| current.id()) != Some(runtime) {
            return;
        }
        // The finished attempt's waker out of the timer: a kept timer holds
        // no task alive, and firing unused wakes nobody. One that has fired
        // has left the wheel: it goes (one that fires after is passed over
        // by `start`).
        if poll_outside_budget(&mut timer, &mut Context::from_waker(Waker::noop())).is_ready() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.runtime == Some(runtime) && idle.timers.len() < self.capacity {
            idle.timers.push(timer);
        }
    }
}

/// One attempt's deadline; its timer goes back to the pool when the attempt ends.
#[derive(Debug)]
pub(crate) struct AttemptTimer<'a> {
    sleep: Option<Pin<Box<Sleep>>>,
    /// The waker the timer holds: polled again by the same task, it need
    /// only be asked whether it fired.
    waker: Option<Waker>,
    runtime: Id,
    pool: &'a TimerPool,
}

impl Future for AttemptTimer<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let Some(sleep) = this.sleep.as_mut() else {
            return Poll::Ready(());
        };
        if this.waker.as_ref().is_some_and(|waker| waker.will_wake(cx.waker())) {
            return if sleep.is_elapsed() {
                Poll::Ready(())
            } else {
                Poll::Pending
            };
        }
        // A pending answer here must mean the timer holds this waker.
        let poll = poll_outside_budget(sleep, cx);
        if poll.is_pending() {
            this.waker = Some(cx.waker().clone());
        }
        poll
    }
}

/// Polls a timer outside the task's budget (as `tokio::time::timeout` polls
/// its own): one refused for the budget would answer pending without taking
/// the waker — without this one, and still holding the one before.
fn poll_outside_budget(timer: &mut Pin<Box<Sleep>>, cx: &mut Context<'_>) -> Poll<()> {
    std::pin::pin!(tokio::task::unconstrained(timer.as_mut())).poll(cx)
}

impl Drop for AttemptTimer<'_> {
    fn drop(&mut self) {
        if let Some(sleep) = self.sleep.take() {
            self.pool.keep(self.runtime, sleep);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;
    use std::task::Wake;
    use std::time::Duration;

    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
    }

    const MS: Duration = Duration::from_millis(1);

    fn deadline_of(timer: &AttemptTimer<'_>) -> Instant {
        timer.sleep.as_ref().unwrap().deadline()
    }

    #[test]
    fn a_finished_attempts_timer_is_kept_and_moved_to_the_next_deadline() {
        runtime().block_on(async {
            let pool = TimerPool::new(4);
            let runtime = Handle::current();
            let first = Instant::now() + Duration::from_secs(30);
            let timer = pool.start(&runtime, first);
            let address = std::ptr::from_ref::<Sleep>(timer.sleep.as_ref().unwrap());
            drop(timer);
            assert_eq!(pool.kept(), 1);

            let second = first + Duration::from_secs(5);
            let timer = pool.start(&runtime, second);
            assert_eq!(pool.kept(), 0);
            assert_eq!(deadline_of(&timer), second);
            let reused = std::ptr::from_ref::<Sleep>(timer.sleep.as_ref().unwrap());
            assert_eq!(reused, address, "the kept timer, not a new one");
            drop(timer);
            assert_eq!(pool.kept(), 1);
        });
    }

    #[test]
    fn a_kept_timer_fires_at_its_new_deadline_later_or_earlier() {
        runtime().block_on(async {
            let pool = TimerPool::new(4);
            let runtime = Handle::current();
            let start = Instant::now();
            drop(pool.start(&runtime, start + 20 * MS));

            // Later than the kept deadline: not before it.
            pool.start(&runtime, start + 60 * MS).await;
            assert!(Instant::now() - start >= 60 * MS);
            // A fired timer is not kept.
            assert_eq!(pool.kept(), 0);

            let start = Instant::now();
            drop(pool.start(&runtime, start + Duration::from_secs(300)));
            assert_eq!(pool.kept(), 1);
            // Earlier than the kept deadline: at its own, not the kept one.
            pool.start(&runtime, start + 20 * MS).await;
            let waited = Instant::now() - start;
            assert!(waited >= 20 * MS && waited < Duration::from_secs(60), "{waited:?}");
        });
    }

    #[test]
    fn a_timer_that_fired_while_kept_is_not_used_again() {
        runtime().block_on(async {
            let pool = TimerPool::new(4);
            let runtime = Handle::current();
            drop(pool.start(&runtime, Instant::now() + 10 * MS));
            tokio::time::sleep(40 * MS).await;
            assert_eq!(pool.kept(), 1);

            let start = Instant::now();
            let timer = pool.start(&runtime, start + 30 * MS);
            assert_eq!(pool.kept(), 0);
            assert!(!timer.sleep.as_ref().unwrap().is_elapsed());
            timer.await;
            assert!(Instant::now() - start >= 30 * MS);
        });
    }

    #[test]
    fn no_more_are_kept_than_the_capacity() {
        runtime().block_on(async {
            let pool = TimerPool::new(2);
            let runtime = Handle::current();
            let deadline = Instant::now() + Duration::from_secs(30);
            let timers: Vec<_> = (0..3).map(|_| pool.start(&runtime, deadline)).collect();
            drop(timers);
            assert_eq!(pool.kept(), 2);
        });
    }

    #[test]
    fn timers_of_a_runtime_that_ended_are_let_go() {
        let pool = TimerPool::new(4);
        let first = runtime();
        first.block_on(async {
            drop(pool.start(&Handle::current(), Instant::now() + Duration::from_secs(30)));
        });
        assert_eq!(pool.kept(), 1);
        drop(first);

        runtime().block_on(async {
            let start = Instant::now();
            let timer = pool.start(&Handle::current(), start + 20 * MS);
            assert_eq!(pool.kept(), 0, "the ended runtime's timer is gone");
            timer.await;
            assert!(Instant::now() - start >= 20 * MS);
            drop(pool.start(&Handle::current(), Instant::now() + Duration::from_secs(30)));
            assert_eq!(pool.kept(), 1);
        });
    }

    #[test]
    fn a_timer_outliving_its_runtime_goes_without_a_panic() {
        let pool = TimerPool::new(4);
        let ended = runtime();
        let (unpolled, polled) = ended.block_on(async {
            let runtime = Handle::current();
            let far = Instant::now() + Duration::from_secs(30);
            let mut polled = Box::pin(pool.start(&runtime, far));
            assert!(futures_poll_once(polled.as_mut()).is_pending());
            (pool.start(&runtime, far), polled)
        });
        drop(ended);
        // Outside any runtime, its driver gone: neither is polled, neither kept.
        drop(unpolled);
        drop(polled);
        assert_eq!(pool.kept(), 0);
    }

    fn futures_poll_once<F: Future>(future: Pin<&mut F>) -> Poll<F::Output> {
        future.poll(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn a_timer_asked_again_by_another_task_wakes_that_one() {
        runtime().block_on(async {
            let pool = TimerPool::new(4);
            let (first, second) = (Arc::new(Counting::default()), Arc::new(Counting::default()));
            let mut timer = Box::pin(pool.start(&Handle::current(), Instant::now() + 20 * MS));
            let poll_with = |timer: &mut Pin<Box<AttemptTimer<'_>>>, task: &Arc<Counting>| {
                let waker = Waker::from(Arc::clone(task));
                timer.as_mut().poll(&mut Context::from_waker(&waker))
            };
            assert!(poll_with(&mut timer, &first).is_pending());
            assert!(poll_with(&mut timer, &second).is_pending());
            tokio::time::sleep(60 * MS).await;
            assert_eq!(first.wakes(), 0);
            assert_eq!(second.wakes(), 1, "the task that asked last is woken");
            assert!(poll_with(&mut timer, &second).is_ready());
        });
    }

    #[test]
    fn a_timer_first_asked_with_the_budget_spent_still_fires() {
        runtime().block_on(async {
            let pool = TimerPool::new(4);
            let start = Instant::now();
            let mut timer = Box::pin(pool.start(&Handle::current(), start + 20 * MS));
            std::future::poll_fn(|cx| {
                // Spend the task's budget, then ask the timer.
                while std::pin::pin!(tokio::task::consume_budget()).poll(cx).is_ready() {}
                assert!(timer.as_mut().poll(cx).is_pending());
                Poll::Ready(())
            })
            .await;
            let fired = tokio::time::timeout(Duration::from_secs(5), timer).await;
            assert!(fired.is_ok(), "the timer never fired");
            assert!(Instant::now() - start >= 20 * MS);
        });
    }

    #[test]
    fn a_timer_kept_with_the_budget_spent_holds_no_waker_either() {
        runtime().block_on(async {
            let pool = TimerPool::new(4);
            let task = Arc::new(Counting::default());
            let waker = Waker::from(Arc::clone(&task));
            let mut timer = Some(Box::pin(
                pool.start(&Handle::current(), Instant::now() + Duration::from_secs(30)),
            ));
            let polled = timer.as_mut().unwrap().as_mut().poll(&mut Context::from_waker(&waker));
            assert!(polled.is_pending());
            drop(waker);
            std::future::poll_fn(|cx| {
                // The attempt ends in a task that has spent its budget.
                while std::pin::pin!(tokio::task::consume_budget()).poll(cx).is_ready() {}
                drop(timer.take());
                Poll::Ready(())
            })
            .await;
            assert_eq!(pool.kept(), 1);
            assert_eq!(Arc::strong_count(&task), 1, "the kept timer let it go");
        });
    }

    #[derive(Default)]
    struct Counting(std::sync::atomic::AtomicUsize);

    impl Counting {
        fn wakes(&self) -> usize {
            self.0.load(std::sync::atomic::Ordering::SeqCst)
        }
    }

    impl Wake for Counting {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    #[test]
    fn a_kept_timer_holds_no_waker_of_the_attempt() {
        runtime().block_on(async {
            let pool = TimerPool::new(4);
            let task = Arc::new(Counting::default());
            let waker = Waker::from(Arc::clone(&task));
            let mut timer = Box::pin(pool.start(&Handle::current(), Instant::now() + Duration::from_secs(30)));
            assert!(timer.as_mut().poll(&mut Context::from_waker(&waker)).is_pending());
            drop(waker);
            assert!(Arc::strong_count(&task) > 1, "the timer holds the attempt's waker");
            drop(timer);
            assert_eq!(pool.kept(), 1);
            assert_eq!(Arc::strong_count(&task), 1, "the kept timer let it go");
        });
    }
}
