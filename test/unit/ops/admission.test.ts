import { loadConfig } from '../../../src/config';
import { Admission, type AdmissionConfig } from '../../../src/ops/admission';

// Admission by deadline (src/ops/admission.ts), on a fake clock: simulated clients and a
// simulated server whose executions hold their slot for a modelled time. Only counts and
// decisions are asserted, in simulated time; nothing here depends on how fast the machine is.

const DEFAULTS: AdmissionConfig = loadConfig({});
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const now = () => performance.now();

/** A deterministic spread of service times (0.5× to 1.5×), so the average is not a constant. */
function jitter(seed = 1) {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return 0.5 + x / 2 ** 31;
  };
}

/**
 * A server on a fixed amount of CPU: each execution's time grows with how many run beside it
 * (processor sharing), so its throughput stays `perSecond` however many slots are taken, as a
 * gateway's does when CPU is what is short.
 */
const cpuBound =
  (admission: Admission, perSecond: number, spread = jitter()) =>
  () =>
    (admission.running * 1000 * spread()) / perSecond;
/** A server whose executions each take `ms` whatever else runs (waiting on I/O). */
const fixed = (ms: number) => () => ms;

interface Tally {
  answered: number;
  refused: number;
  /** Refused on arrival, by `full()`, as http/gateway.ts sheds before parsing. */
  early: number;
  /** Refused by `acquire` on arrival (it agrees with `full`, so this stays 0). */
  refusedByAcquire: number;
  /** Refused after waiting (at the deadline). */
  late: number;
  maxQueued: number;
  /** The longest from arrival to answer, ms. */
  slowest: number;
}
const tally = (): Tally => ({ answered: 0, refused: 0, early: 0, refusedByAcquire: 0, late: 0, maxQueued: 0, slowest: 0 });

/** One request as the gateway makes it: shed before parsing if `full`, else a slot, the execution, the release. */
async function request(admission: Admission, serviceMs: () => number, t: Tally): Promise<boolean> {
  const arrived = now();
  if (admission.full()) {
    admission.shedEarly();
    t.refused += 1;
    t.early += 1;
    return false;
  }
  const slot = await admission.acquire(() => false);
  t.maxQueued = Math.max(t.maxQueued, admission.queued);
  if (typeof slot === 'string') {
    t.refused += 1;
    if (now() === arrived) t.refusedByAcquire += 1;
    else t.late += 1;
    return false;
  }
  await sleep(serviceMs());
  slot();
  t.answered += 1;
  t.slowest = Math.max(t.slowest, now() - arrived);
  return true;
}

/** `clients` clients, each asking again as soon as it has its answer (after Retry-After's 1 s if refused), for `seconds`. */
async function closedLoop(admission: Admission, clients: number, serviceMs: () => number, seconds: number): Promise<Tally> {
  const t = tally();
  let running = true;
  const loops = Array.from({ length: clients }, async () => {
    while (running) if (!(await request(admission, serviceMs, t))) await sleep(1000);
  });
  await jest.advanceTimersByTimeAsync(seconds * 1000);
  running = false;
  await jest.advanceTimersByTimeAsync(60_000);
  await Promise.all(loops);
  return t;
}

/** Requests arriving at `perSecond` whatever happens to them (an open loop), for `seconds`. */
async function openLoop(admission: Admission, perSecond: number, serviceMs: () => number, seconds: number): Promise<Tally> {
  const t = tally();
  const all: Promise<boolean>[] = [];
  // A batch every 10 ms: the fake clock's timers are whole milliseconds.
  const arrivals = setInterval(() => {
    for (let i = 0; i < perSecond / 100; i++) all.push(request(admission, serviceMs, t));
  }, 10);
  await jest.advanceTimersByTimeAsync(seconds * 1000);
  clearInterval(arrivals);
  await jest.advanceTimersByTimeAsync(60_000);
  await Promise.all(all);
  return t;
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('the defaults', () => {
  it('are 4 × the pool running, 100 waiting and a 2 s deadline', () => {
    expect(DEFAULTS).toMatchObject({ MAX_CONCURRENT_EXECUTIONS: 40, MAX_QUEUED_EXECUTIONS: 100, ADMISSION_DEADLINE_MS: 2000 });
  });
});

describe('a closed loop of clients, with the defaults', () => {
  it.each([
    { clients: 100, server: 'a gateway answering 300 a second (the bench)', queued: 60, service: (a: Admission) => cpuBound(a, 300) },
    { clients: 140, server: 'a slow read answered 100 a second', queued: 100, service: (a: Admission) => cpuBound(a, 100) },
    { clients: 100, server: 'executions waiting on I/O, 200 ms each whatever runs beside them', queued: 60, service: () => fixed(200) },
  ])('$clients clients of $server: none refused, though $queued wait at a time', async ({ clients, queued, service }) => {
    const admission = new Admission(DEFAULTS);
    const t = await closedLoop(admission, clients, service(admission), 60);
    expect(t.refused).toBe(0);
    expect(admission.expired).toBe(0);
    expect(t.maxQueued).toBe(queued);
    // Every client was answered again and again, not once and then starved.
    expect(t.answered).toBeGreaterThan(clients * 20);
    expect(t.slowest).toBeLessThanOrEqual(DEFAULTS.ADMISSION_DEADLINE_MS);
  });

  it('queues 60 behind 40 busy slots of 100 ms: a wait of 250 ms, past the 100 ms queue timeout it replaces, within the deadline', async () => {
    const admission = new Admission(DEFAULTS);
    for (let i = 0; i < 10; i++) {
      const slot = (await admission.acquire(() => false)) as () => void;
      await jest.advanceTimersByTimeAsync(100);
      slot();
    }
    expect(admission.service).toBe(100);
    const slots = await Promise.all(Array.from({ length: 40 }, () => admission.acquire(() => false)));
    const waiters = Array.from({ length: 59 }, () => admission.acquire(() => false));
    expect(admission.full()).toBe(false);
    // The 60th: 60 × 100 / 40 = 150 ms for a slot, 100 ms to run.
    expect(admission.expectedMs()).toBe(250);
    const last = admission.acquire(() => false);
    for (const s of slots) (s as () => void)();
    for (const w of [...waiters, last]) {
      const slot = await w;
      expect(typeof slot).toBe('function');
      (slot as () => void)();
    }
    expect(admission.shed.overload).toBe(0);
  });
});

describe('an arrival rate above capacity (an open loop)', () => {
  it('is shed on arrival with early refusals, and what is queued is answered within the deadline', async () => {
    const admission = new Admission(DEFAULTS);
    // 40 slots of 100 ms: 400 a second; 800 a second arrive.
    const t = await openLoop(admission, 800, fixed(100), 20);
    const arrived = t.answered + t.refused;
    expect(arrived).toBe(800 * 20);
    // About half can be answered; the rest are refused, and on arrival, not after a wait.
    expect(t.answered).toBeGreaterThan(arrived * 0.45);
    expect(t.refused).toBeGreaterThan(arrived * 0.45);
    expect(t.early).toBe(t.refused);
    expect(t.late).toBe(0);
    expect(admission.expired).toBe(0);
    expect(admission.shed.overload).toBe(t.refused);
    expect(t.slowest).toBeLessThanOrEqual(DEFAULTS.ADMISSION_DEADLINE_MS);
    expect(t.maxQueued).toBeLessThanOrEqual(DEFAULTS.MAX_QUEUED_EXECUTIONS);
  });

  it('with room to queue without limit, the deadline alone bounds the queue (its memory)', async () => {
    const config = { ...DEFAULTS, MAX_QUEUED_EXECUTIONS: 100_000 };
    const admission = new Admission(config);
    const t = await openLoop(admission, 800, fixed(100), 20);
    // The k-th waiter is answered after about (k / 40 + 1) × 100 ms: k ≤ 760 fits in 2 s.
    expect(t.maxQueued).toBeGreaterThan(DEFAULTS.MAX_QUEUED_EXECUTIONS);
    expect(t.maxQueued).toBeLessThanOrEqual(760);
    expect(t.refused).toBeGreaterThan(0);
    expect(t.late).toBe(0);
    expect(t.slowest).toBeLessThanOrEqual(config.ADMISSION_DEADLINE_MS);
  });

  it('then admits again at once when the overload ends', async () => {
    const admission = new Admission(DEFAULTS);
    await openLoop(admission, 800, fixed(100), 5);
    expect(admission.running).toBe(0);
    expect(admission.queued).toBe(0);
    expect(admission.full()).toBe(false);
    expect(typeof (await admission.acquire(() => false))).toBe('function');
  });
});

describe('when the prediction is wrong', () => {
  it('a stalled database: waiters are shed at the deadline, and the queue stays bounded meanwhile', async () => {
    const admission = new Admission({ MAX_CONCURRENT_EXECUTIONS: 2, MAX_QUEUED_EXECUTIONS: 5, ADMISSION_DEADLINE_MS: 2000 });
    // Two executions that never end (their SQL hangs).
    expect(typeof (await admission.acquire(() => false))).toBe('function');
    expect(typeof (await admission.acquire(() => false))).toBe('function');
    const waiters = Array.from({ length: 5 }, () => admission.acquire(() => false));
    expect(admission.queued).toBe(5);
    expect(admission.full()).toBe(true);
    expect(await admission.acquire(() => false)).toBe('overload');
    await jest.advanceTimersByTimeAsync(2000);
    expect(await Promise.all(waiters)).toEqual(Array(5).fill('overload'));
    expect(admission.expired).toBe(5);
    expect(admission.shed.overload).toBe(6);
    expect(admission.queued).toBe(0);
  });

  it('executions slower than the deadline: none waits behind them, since none would be answered in time', async () => {
    const admission = new Admission({ MAX_CONCURRENT_EXECUTIONS: 1, MAX_QUEUED_EXECUTIONS: 5, ADMISSION_DEADLINE_MS: 1000 });
    const slot = await admission.acquire(() => false);
    await jest.advanceTimersByTimeAsync(3000);
    (slot as () => void)();
    expect(admission.service).toBe(1000);
    await admission.acquire(() => false);
    expect(admission.full()).toBe(true);
    expect(await admission.acquire(() => false)).toBe('overload');
    expect(admission.expired).toBe(0);
  });

  it('one outlier (a cancelled execution holding its slot for its SQL) does not shed everyone after it', async () => {
    const admission = new Admission(DEFAULTS);
    const t = tally();
    const hold = async (ms: number) => {
      const slot = await admission.acquire(() => false);
      await jest.advanceTimersByTimeAsync(ms);
      (slot as () => void)();
    };
    for (let i = 0; i < 50; i++) await hold(100);
    await hold(30_000);
    expect(admission.service).toBeLessThan(300);
    // Every slot taken: the next still queues.
    const slots = await Promise.all(Array.from({ length: 40 }, () => admission.acquire(() => false)));
    expect(admission.full()).toBe(false);
    const queued = request(admission, fixed(100), t);
    expect(admission.queued).toBe(1);
    for (const s of slots) (s as () => void)();
    await jest.advanceTimersByTimeAsync(200);
    expect(await queued).toBe(true);
  });
});

describe('a waiter whose client leaves', () => {
  it('leaves the queue at once, and its place goes to the next', async () => {
    const admission = new Admission({ MAX_CONCURRENT_EXECUTIONS: 1, MAX_QUEUED_EXECUTIONS: 5, ADMISSION_DEADLINE_MS: 2000 });
    const first = (await admission.acquire(() => false)) as () => void;
    const client = new AbortController();
    const leaving = admission.acquire(() => client.signal.aborted, client.signal);
    const staying = admission.acquire(() => false);
    expect(admission.queued).toBe(2);
    client.abort();
    expect(await leaving).toBe('client_gone');
    expect(admission.queued).toBe(1);
    first();
    expect(typeof (await staying)).toBe('function');
    expect(admission.shed).toEqual({ overload: 0, client_gone: 1 });
  });
});
