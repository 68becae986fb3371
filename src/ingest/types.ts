/** A posting as a feed describes it, normalised to our fields but not yet enriched or validated. */
export interface Candidate {
  /** The feed's own id of the posting, if it has one; otherwise one is derived from the content. */
  externalId?: string;
  /** An existing company by id, or one found (or created) by name. */
  company: { id?: number; name?: string; externalRef?: string | null; industry?: string | null; rating?: number | null };
  title: string;
  description: string;
  location: string;
  city?: string | null;
  state?: string | null;
  jobType: string;
  salaryMin?: number | null;
  salaryMax?: number | null;
  /** Given explicitly (an API caller's choice): kept. Absent: read from the text. */
  remote?: boolean | null;
  experienceLevel?: string | null;
  /** A feed's coarse level (LinkedIn's "Mid-Senior"): used when the title names none. */
  levelHint?: string | null;
  skills?: string[];
  createdAt?: Date | null;
}

/** One record of a feed: a candidate, or the reason it cannot be one. */
export type FeedRow = { line: number; candidate: Candidate } | { line: number; reason: string; record?: unknown };

export interface Reject {
  line: number;
  reason: string;
  record?: unknown;
}

export interface ImportSummary {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  /** Repeats of a posting seen earlier in the same import (the same job, counted once). */
  merged: number;
  rejected: number;
  rejects: Reject[];
  /** Ids of the jobs created or updated. */
  changedJobIds: number[];
  dryRun: boolean;
  ms: number;
}
