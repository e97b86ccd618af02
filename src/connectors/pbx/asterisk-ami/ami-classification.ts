/**
 * Which Asterisk channels are trunks (the provider side) and which are phones (our extensions), from
 * the fields a channel is born with (`Newchannel`, or `CoreShowChannel` after a reconnect). Pure.
 *
 * Sources:
 * - docs.asterisk.org, "Asterisk 22 ManagerEvent_Newchannel" (Channel, Context, Exten, Uniqueid,
 *   Linkedid: "Uniqueid of the oldest channel associated with this channel") and
 *   "ManagerEvent_CoreShowChannel" (the same fields for a live channel).
 * - docs.asterisk.org, "Local Channel" and "Local Channel Optimization": `Local/<exten>@<context>-<n>;1`
 *   and `;2` are two halves of one pair; `;1` is what the dialer (or an Originate) holds, `;2` runs the
 *   dialplan at exten@context. `LocalBridge` names both halves.
 * - FreePBX dialplan conventions: trunks enter at `from-trunk`/`from-pstn` (and `from-did-direct`,
 *   `from-external`, `from-sip-external`), phones at `from-internal`; `macro-dial-one`, `ext-local`,
 *   `from-queue` run on the extension side.
 * - The recorded traffic in ./fixtures (README: "How to read the channels").
 *
 * Rules, first match wins:
 * 1. Local channels. A pair is *originated* when its `;1` starts its own conversation (Uniqueid ===
 *    Linkedid: nobody dialed it; AMI Originate). Then `;1` is an artefact (the simulated handset) and
 *    `;2`, which runs the dialplan as if a call came in from an endpoint, is the real party. Otherwise
 *    the pair was dialed: `;1` is the party the dialer reached (a queue member, a ring-group phone, an
 *    outgoing trunk leg) and `;2` is the artefact. The real half is a trunk or a phone by its context
 *    (rules 2–3 on the context in its name), else unknown. A `;2` whose `;1` is unknown to the caller
 *    is taken as dialed (the common case: queue members, ring groups, follow-me).
 * 2. Context in `trunkContexts` → trunk; in `phoneContexts` → phone. Contexts match case-insensitively;
 *    a trailing `*` matches any suffix (`from-trunk*` covers `from-trunk-provider1`).
 * 3. Channel name matching a `trunkChannelPatterns` regex → trunk; `phoneChannelPatterns` → phone.
 *    Defaults: `PJSIP/201-…`, `SIP/201-…`, `IAX2/201-…` (digits) are phones, the same technologies
 *    with a non-numeric endpoint name (`PJSIP/provider-…`) are trunks.
 * 4. Otherwise unknown (the mapper decides by the numbers involved).
 *
 * Configuration (`Partial<AmiClassification>`): a given list *replaces* the default list of that name,
 * so a default can be removed; use `DEFAULT_CLASSIFICATION.x` to extend it. Invalid regexes are skipped.
 */
import type { AmiMessage } from './ami-parser.ts';

export type AmiClassification = {
  trunkContexts: string[];
  phoneContexts: string[];
  /** Regex sources matched against the channel name. */
  trunkChannelPatterns: string[];
  phoneChannelPatterns: string[];
};

export type ChannelRole = 'trunk' | 'phone' | 'local-artefact' | 'unknown';

export const DEFAULT_CLASSIFICATION: Readonly<AmiClassification> = Object.freeze({
  trunkContexts: [
    'from-trunk*',
    'from-pstn*',
    'from-did-direct',
    'from-external',
    'from-sip-external',
    'from-provider*',
    'from-outside',
    'incoming',
    'inbound',
    // Outgoing trunk legs dialed through Local channels (the recorded office dials `Local/<n>@pstn`).
    'pstn',
    'to-pstn',
    'outbound',
    'outgoing',
  ],
  phoneContexts: [
    'from-internal*',
    'macro-dial-one',
    'macro-dial',
    'ext-local',
    'from-queue',
    'internal',
    'phones',
    'agents',
    'users',
    'extensions',
  ],
  trunkChannelPatterns: ['^(PJSIP|SIP|IAX2)/[^/;]*[^0-9/;-][^/;]*-[0-9a-fA-F]+$'],
  phoneChannelPatterns: ['^(PJSIP|SIP|IAX2)/\\d+-[0-9a-fA-F]+$'],
});

/** A classification with the defaults filled in and the regexes compiled once. */
export type CompiledClassification = {
  trunkContexts: string[];
  phoneContexts: string[];
  trunkChannelPatterns: RegExp[];
  phoneChannelPatterns: RegExp[];
};

export function compileClassification(given: Partial<AmiClassification> = {}): CompiledClassification {
  const list = (v: unknown, d: readonly string[]) => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [...d]);
  return {
    trunkContexts: list(given.trunkContexts, DEFAULT_CLASSIFICATION.trunkContexts).map((c) => c.toLowerCase()),
    phoneContexts: list(given.phoneContexts, DEFAULT_CLASSIFICATION.phoneContexts).map((c) => c.toLowerCase()),
    trunkChannelPatterns: regexes(list(given.trunkChannelPatterns, DEFAULT_CLASSIFICATION.trunkChannelPatterns)),
    phoneChannelPatterns: regexes(list(given.phoneChannelPatterns, DEFAULT_CLASSIFICATION.phoneChannelPatterns)),
  };
}

export type LocalChannel = { exten: string; context: string; base: string; half: 1 | 2 };

/** `Local/201@phones-00000001;1` → exten 201, context phones, base `Local/201@phones-00000001`, half 1. */
export function localChannel(name: string): LocalChannel | null {
  const m = /^Local\/([^@;]*)@(.+)-([0-9a-fA-F]+);([12])$/.exec(name);
  if (!m) return null;
  return { exten: m[1], context: m[2], base: name.slice(0, -2), half: m[4] === '1' ? 1 : 2 };
}

/**
 * Classifies one channel. `pair.originated` says whether the Local pair this channel belongs to was
 * originated (see rule 1); the caller knows it from the `;1` half. Never throws.
 */
export function classifyChannel(
  fields: AmiMessage,
  classification: CompiledClassification,
  pair: { originated?: boolean } = {},
): ChannelRole {
  const name = field(fields, 'Channel');
  const local = localChannel(name);
  if (local) {
    const uniqueid = field(fields, 'Uniqueid');
    const originated = local.half === 1 ? uniqueid !== '' && uniqueid === field(fields, 'Linkedid') : pair.originated === true;
    const real = local.half === 1 ? !originated : originated;
    if (!real) return 'local-artefact';
    return byContext(local.context, classification) ?? byName(name, classification) ?? 'unknown';
  }
  return byContext(field(fields, 'Context'), classification) ?? byName(name, classification) ?? 'unknown';
}

/** The extension a channel name carries: `PJSIP/201-0000002b` or `Local/201@agents-…;1` → 201. */
export function extensionInName(name: string): string | null {
  const local = localChannel(name);
  const candidate = local ? local.exten : (/^[A-Za-z0-9]+\/(\d+)(-[0-9a-fA-F]+)?$/.exec(name)?.[1] ?? null);
  return candidate !== null && looksLikeExtension(candidate) ? candidate : null;
}

/** The extension a queue member interface names: `Local/201@agents`, `PJSIP/201`, `Local/201@from-queue/n`. */
export function extensionInInterface(iface: string): string | null {
  const m = /^[A-Za-z0-9]+\/(\d+)(?:[@/]|$)/.exec(iface);
  return m && looksLikeExtension(m[1]) ? m[1] : null;
}

/** Extensions are short digit strings; anything longer is a subscriber number. */
export function looksLikeExtension(value: string): boolean {
  return /^\d{1,6}$/.test(value);
}

function byContext(context: string, c: CompiledClassification): 'trunk' | 'phone' | null {
  const ctx = context.toLowerCase();
  if (!ctx) return null;
  if (c.trunkContexts.some((p) => contextMatches(ctx, p))) return 'trunk';
  if (c.phoneContexts.some((p) => contextMatches(ctx, p))) return 'phone';
  return null;
}

function byName(name: string, c: CompiledClassification): 'trunk' | 'phone' | null {
  if (!name) return null;
  if (c.trunkChannelPatterns.some((r) => r.test(name))) return 'trunk';
  if (c.phoneChannelPatterns.some((r) => r.test(name))) return 'phone';
  return null;
}

function contextMatches(context: string, pattern: string): boolean {
  return pattern.endsWith('*') ? context.startsWith(pattern.slice(0, -1)) : context === pattern;
}

function regexes(sources: string[]): RegExp[] {
  const out: RegExp[] = [];
  for (const s of sources) {
    try {
      out.push(new RegExp(s));
    } catch {
      // An invalid pattern classifies nothing; config validation reports it to the admin.
    }
  }
  return out;
}

/** A header as a string; '' when absent or not a string (garbage input). */
export function field(m: AmiMessage, key: string): string {
  const v = Object.hasOwn(m, key) ? (m as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' ? v : '';
}
