/** How late a timer may fire before the event loop, not what it waits for, is taken to be slow. */
const STALL_MS = 10;

/**
 * `setTimeout(onTimeout, ms)` for an I/O deadline (the cache store's CACHE_TIMEOUT_MS). A
 * saturated event loop runs timers late, and before the I/O already waiting (timers come first
 * in each turn): a cache read Redis answered in a millisecond would time out anyway and fall
 * through to SQL, adding load when the process can least afford it. So the deadline lets waiting
 * I/O run first, and a timer that fired late (the loop stalled, not the store) waits once more.
 * `clearTimeout` on the returned timer cancels it.
 */
export function ioDeadline(onTimeout: () => void, ms: number): NodeJS.Timeout {
  let due = performance.now() + ms;
  let extended = false;
  const timer: NodeJS.Timeout = setTimeout(() => {
    if (!extended && performance.now() - due > STALL_MS) {
      extended = true;
      due = performance.now() + ms;
      return void timer.refresh();
    }
    setImmediate(onTimeout);
  }, ms);
  return timer;
}
