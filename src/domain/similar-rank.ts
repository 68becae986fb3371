// The similar-jobs ranking of data/similar.ts (replaceSimilarSql), computed in memory over the
// whole keyword table at once: for bulk work (a full rebuild, a long queue after an import) it
// is one read of job_keyword instead of an index scan per (job, term), and plain array loops
// instead of a join, a sort and an aggregate per pair. Same definition, same results:
//   candidates  for each of a job's terms, the POSTINGS_PER_TERM active jobs weighing it most
//               (the job itself left out), scored on those terms only (a lower bound);
//   shortlist   the best SHORTLIST of them by that partial score (ties to the lower id);
//   list        the shortlist scored on all shared terms (the cosine), ordered by score to
//               4 decimals, then the same job type, then the same location, then id; top N.

export interface IndexJob {
  id: number;
  active: boolean;
  jobType: string;
  location: string;
}

export interface KeywordRow {
  job_id: number;
  term: string;
  weight: number;
}

export interface Ranked {
  similarId: number;
  score: number;
}

export interface RankParams {
  postingsPerTerm: number;
  shortlist: number;
  perJob: number;
}

/** Every job's keyword vector and, per term, its active jobs by weight (strongest first). */
export class SimilarIndex {
  private readonly slot = new Map<number, number>();
  private readonly jobs: IndexJob[];
  /** Per job slot: its terms and weights. */
  private readonly terms: Int32Array[];
  private readonly weights: Float64Array[];
  /** Per term: active job slots by weight desc, id asc, and their weights. */
  private readonly postings: Int32Array[] = [];
  private readonly postingWeights: Float64Array[] = [];

  constructor(jobs: readonly IndexJob[], keywords: readonly KeywordRow[]) {
    this.jobs = [...jobs];
    this.jobs.forEach((j, i) => this.slot.set(j.id, i));
    const termId = new Map<string, number>();
    const perJob: number[][] = this.jobs.map(() => []);
    const perTerm: number[][] = [];
    for (let r = 0; r < keywords.length; r++) {
      const k = keywords[r];
      const s = this.slot.get(k.job_id);
      if (s === undefined) continue;
      let t = termId.get(k.term);
      if (t === undefined) {
        t = termId.size;
        termId.set(k.term, t);
        perTerm.push([]);
      }
      perJob[s].push(r);
      if (this.jobs[s].active) perTerm[t].push(r);
    }
    const tOf = (r: number) => termId.get(keywords[r].term)!;
    this.terms = perJob.map((rows) => Int32Array.from(rows, tOf));
    this.weights = perJob.map((rows) => Float64Array.from(rows, (r) => keywords[r].weight));
    for (const rows of perTerm) {
      rows.sort((a, b) => keywords[b].weight - keywords[a].weight || keywords[a].job_id - keywords[b].job_id);
      this.postings.push(Int32Array.from(rows, (r) => this.slot.get(keywords[r].job_id)!));
      this.postingWeights.push(Float64Array.from(rows, (r) => keywords[r].weight));
    }
  }

  get size(): number {
    return this.jobs.length;
  }

  /** The top `perJob` similar active jobs of each of `ids` (an unknown id or one without keywords: an empty list). */
  rank(ids: readonly number[], p: RankParams): Map<number, Ranked[]> {
    const n = this.jobs.length;
    const partial = new Float64Array(n);
    const seen = new Uint8Array(n);
    // The source's weight per term, for the exact dot products.
    const own = new Float64Array(this.postings.length);
    const out = new Map<number, Ranked[]>();
    for (const id of ids) {
      const s = this.slot.get(id);
      if (s === undefined) {
        out.set(id, []);
        continue;
      }
      const terms = this.terms[s];
      const weights = this.weights[s];
      const touched: number[] = [];
      for (let i = 0; i < terms.length; i++) {
        const t = terms[i];
        own[t] = weights[i];
        const list = this.postings[t];
        const lw = this.postingWeights[t];
        for (let k = 0, taken = 0; k < list.length && taken < p.postingsPerTerm; k++) {
          const o = list[k];
          if (o === s) continue;
          taken += 1;
          if (!seen[o]) {
            seen[o] = 1;
            touched.push(o);
          }
          partial[o] += weights[i] * lw[k];
        }
      }
      const short = this.best(touched, partial, p.shortlist).map((o) => {
        let score = 0;
        const ot = this.terms[o];
        const ow = this.weights[o];
        for (let i = 0; i < ot.length; i++) score += own[ot[i]] * ow[i];
        return { o, score, key: Math.round(score * 1e4) };
      });
      const src = this.jobs[s];
      short.sort((a, b) => {
        const ja = this.jobs[a.o];
        const jb = this.jobs[b.o];
        return (
          b.key - a.key ||
          Number(jb.jobType === src.jobType) - Number(ja.jobType === src.jobType) ||
          Number(jb.location === src.location) - Number(ja.location === src.location) ||
          ja.id - jb.id
        );
      });
      out.set(
        id,
        short.slice(0, p.perJob).map((c) => ({ similarId: this.jobs[c.o].id, score: c.score })),
      );
      for (const o of touched) {
        partial[o] = 0;
        seen[o] = 0;
      }
      for (let i = 0; i < terms.length; i++) own[terms[i]] = 0;
    }
    return out;
  }

  /** The `k` best of `slots` by score (desc), then id (asc): a bounded heap, worst on top. */
  private best(slots: readonly number[], score: Float64Array, k: number): number[] {
    const ids = this.jobs;
    // a is worse than b
    const worse = (a: number, b: number) => score[a] < score[b] || (score[a] === score[b] && ids[a].id > ids[b].id);
    const heap: number[] = [];
    const down = (i: number) => {
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && worse(heap[l], heap[m])) m = l;
        if (r < heap.length && worse(heap[r], heap[m])) m = r;
        if (m === i) return;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    };
    for (const o of slots) {
      if (heap.length < k) {
        heap.push(o);
        for (let i = heap.length - 1; i > 0;) {
          const parent = (i - 1) >> 1;
          if (!worse(heap[i], heap[parent])) break;
          [heap[i], heap[parent]] = [heap[parent], heap[i]];
          i = parent;
        }
      } else if (worse(heap[0], o)) {
        heap[0] = o;
        down(0);
      }
    }
    return heap;
  }
}
