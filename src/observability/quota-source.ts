import type { CopilotUser, QuotaSnapshot } from "../upstream/github.js";

export type QuotaName = "premium_interactions" | "chat" | "completions";
export const QUOTA_NAMES: readonly QuotaName[] = ["premium_interactions", "chat", "completions"];

/** One quota as /usage shows it: GitHub's own field names, so that it reads like the upstream docs. */
export interface QuotaView {
  entitlement: number;
  remaining: number;
  /** Negative when overdrawn (copilot-upstream.md 9). */
  percent_remaining: number;
  unlimited: boolean;
  overage_count: number;
  overage_permitted: boolean;
  /** false with unlimited:true: a pooled enterprise entitlement that is used up. */
  has_quota?: boolean;
}

export interface QuotaReport {
  login?: string;
  plan?: string;
  sku?: string;
  resetDate?: string;
  /** When GitHub was asked (ISO): the snapshot is cached, so it may be up to a minute old. */
  fetchedAt: string;
  premium_interactions: QuotaView | null;
  chat: QuotaView | null;
  completions: QuotaView | null;
}

export type QuotaResult = { quota: QuotaReport } | { quota: null; quotaError: string };

export interface QuotaSourceOptions {
  /** How long a snapshot is reused. Default 60 s, so an open dashboard doesn't hammer GitHub. */
  ttlMs?: number;
  /** How long a failure is reused: shorter, so a blip clears quickly, but not zero. Default 10 s. */
  errorTtlMs?: number;
  now?: () => number;
}

const num = (v: unknown, fallback = 0): number => (typeof v === "number" && Number.isFinite(v) ? v : fallback);

function view(q: QuotaSnapshot | undefined): QuotaView | null {
  if (!q || typeof q !== "object") return null;
  return {
    entitlement: num(q.entitlement),
    remaining: num(q.remaining),
    percent_remaining: num(q.percent_remaining, q.unlimited ? 100 : 0),
    unlimited: q.unlimited === true,
    overage_count: num(q.overage_count),
    overage_permitted: q.overage_permitted === true,
    ...(typeof q.has_quota === "boolean" ? { has_quota: q.has_quota } : {}),
  };
}

/**
 * Picks what the dashboard needs from copilot_internal/user. A whitelist on purpose: the record
 * also carries endpoints, organisations and tracking ids, none of which belong on a page.
 */
export function quotaReport(user: CopilotUser, fetchedAt: number): QuotaReport {
  const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);
  const snaps = user.quota_snapshots ?? {};
  return {
    login: str(user.login),
    plan: str(user.copilot_plan),
    sku: str(user.access_type_sku),
    resetDate: str(user.quota_reset_date_utc) ?? str(user.quota_reset_date),
    fetchedAt: new Date(fetchedAt).toISOString(),
    premium_interactions: view(snaps.premium_interactions),
    chat: view(snaps.chat),
    completions: view(snaps.completions),
  };
}

/**
 * The quota snapshot, cached by the wall clock. Callers arriving while GitHub is being asked share
 * that one call. A failure is an answer too (quotaError), never a throw: /usage still has its server
 * half to show.
 */
export class QuotaSource {
  private cached?: { result: QuotaResult; until: number };
  private pending?: Promise<QuotaResult>;
  private readonly ttlMs: number;
  private readonly errorTtlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly fetchUser: (() => Promise<CopilotUser>) | undefined,
    options: QuotaSourceOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.errorTtlMs = options.errorTtlMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  get(): Promise<QuotaResult> {
    const cached = this.cached;
    if (cached && this.now() < cached.until) return Promise.resolve(cached.result);
    this.pending ??= this.load().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async load(): Promise<QuotaResult> {
    const started = this.now();
    let result: QuotaResult;
    if (!this.fetchUser) {
      result = { quota: null, quotaError: "This server has no GitHub token to read the quota with" };
    } else {
      try {
        result = { quota: quotaReport(await this.fetchUser(), started) };
      } catch (error) {
        result = { quota: null, quotaError: (error as Error).message || String(error) };
      }
    }
    this.cached = { result, until: started + (result.quota ? this.ttlMs : this.errorTtlMs) };
    return result;
  }
}
