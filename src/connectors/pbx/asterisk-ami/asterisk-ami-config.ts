/**
 * Options of an `asterisk-ami` connection. The secret is the AMI user's password from manager.conf
 * (`[user] secret = …`, with `read = call,agent,system` at least and `write = originate,system` for
 * click-to-dial); it is stored encrypted and never returned.
 */
import Type, { type Static } from 'typebox';

const pattern = Type.String({ minLength: 1, maxLength: 200, description: 'A regular expression (JavaScript syntax)' });

export const asteriskAmiOptionsSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, maxLength: 253, description: 'Host name or IP address of the Asterisk' }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 5038, description: 'AMI port (manager.conf `port`, 5038; TLS usually 5039)' }),
    username: Type.String({ minLength: 1, maxLength: 100, description: 'AMI user (a section of manager.conf)' }),
    secret: Type.String({ minLength: 1, maxLength: 200, description: 'Its secret; write-only' }),
    tls: Type.Boolean({ default: false, description: 'Connect with TLS (manager.conf `tlsenable`)' }),
    tlsRejectUnauthorized: Type.Boolean({ default: true, description: 'Refuse certificates that do not verify' }),
    trunkContexts: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 80 }), { maxItems: 50, description: 'Dialplan contexts of trunk channels, beside the defaults (from-trunk, from-pstn, …)' })),
    phoneContexts: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 80 }), { maxItems: 50, description: 'Dialplan contexts of phone channels, beside the defaults (from-internal, …)' })),
    trunkChannelPatterns: Type.Optional(Type.Array(pattern, { maxItems: 50, description: 'Channel-name patterns of trunks, e.g. ^PJSIP/telekom-' })),
    phoneChannelPatterns: Type.Optional(Type.Array(pattern, { maxItems: 50, description: 'Channel-name patterns of phones' })),
    originateChannel: Type.String({ default: 'PJSIP/{extension}', maxLength: 200, description: 'Channel that rings the agent first; {extension} is replaced' }),
    originateContext: Type.String({ default: 'from-internal', maxLength: 80, description: 'Context the number is dialled in' }),
    originateTimeoutSeconds: Type.Integer({ minimum: 5, maximum: 120, default: 30, description: 'How long the agent phone may ring' }),
  },
  { additionalProperties: false },
);

export type AsteriskAmiOptions = Static<typeof asteriskAmiOptionsSchema>;

/** Checks that every pattern compiles; returns the offending field or null. */
export function badPattern(options: AsteriskAmiOptions): { field: string; message: string } | null {
  for (const key of ['trunkChannelPatterns', 'phoneChannelPatterns'] as const) {
    for (const [i, p] of (options[key] ?? []).entries()) {
      try {
        new RegExp(p);
      } catch (err) {
        return { field: `/${key}/${i}`, message: `${key}[${i}] is not a valid regular expression: ${(err as Error).message}` };
      }
    }
  }
  return null;
}
