/**
 * The `asterisk-ami` connector type: one connection = one AMI session to one Asterisk (FreePBX,
 * Issabel …). Events go through the mapper into the journal in the order they arrived; after every
 * (re)login the connection asks `CoreShowChannels` and lets the mapper settle calls that started or
 * ended while it was away. Click-to-dial is an `Originate`: the agent's phone rings first, then the
 * number is dialled in the configured context.
 *
 * Docs: docs.asterisk.org, "Asterisk 22 ManagerAction_Originate" and "ManagerAction_CoreShowChannels".
 */
import type { CallEvent } from '../../../core/calls/call-event.ts';
import { checkOptions } from '../options-check.ts';
import type { ConnectionContext, ConnectorOptions, DialRequest, DialResult, PbxConnection, PbxConnectorType } from '../pbx-connector.ts';
import { AmiClient } from './ami-client.ts';
import { AmiCallMapper } from './ami-mapping.ts';
import { asteriskAmiOptionsSchema, badPattern, type AsteriskAmiOptions } from './asterisk-ami-config.ts';

export const asteriskAmi: PbxConnectorType = {
  id: 'asterisk-ami',
  capabilities: { clickToDial: true },
  optionsSchema: asteriskAmiOptionsSchema,
  secretOptions: ['secret'],
  check(input) {
    const checked = checkOptions(asteriskAmiOptionsSchema, input);
    if (!checked.ok) return checked;
    const bad = badPattern(checked.options as AsteriskAmiOptions);
    return bad ? { ok: false, ...bad } : checked;
  },
  create(options: ConnectorOptions, context: ConnectionContext): PbxConnection {
    return new AsteriskAmiConnection(options as AsteriskAmiOptions, context);
  },
};

class AsteriskAmiConnection implements PbxConnection {
  #options: AsteriskAmiOptions;
  #context: ConnectionContext;
  #client: AmiClient;
  #mapper: AmiCallMapper;
  /** Events reach the journal strictly in arrival order: each batch waits for the one before. */
  #delivery: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(options: AsteriskAmiOptions, context: ConnectionContext) {
    this.#options = options;
    this.#context = context;
    this.#client = new AmiClient({
      host: options.host,
      port: options.port,
      username: options.username,
      secret: options.secret,
      tls: options.tls,
      rejectUnauthorized: options.tlsRejectUnauthorized,
    });
    this.#mapper = new AmiCallMapper({
      connectionId: context.connectionId,
      classification: {
        ...(options.trunkContexts ? { trunkContexts: options.trunkContexts } : {}),
        ...(options.phoneContexts ? { phoneContexts: options.phoneContexts } : {}),
        ...(options.trunkChannelPatterns ? { trunkChannelPatterns: options.trunkChannelPatterns } : {}),
        ...(options.phoneChannelPatterns ? { phoneChannelPatterns: options.phoneChannelPatterns } : {}),
      },
    });
    this.#client.onEvent((message, receivedAt) => this.#deliver(this.#mapper.push(message, receivedAt)));
    this.#client.onConnected(() => void this.#resync());
    this.#client.onDisconnected((reason) => this.#context.log.warn({ connectionId: context.connectionId, reason }, 'AMI connection lost'));
  }

  start(): void {
    this.#client.start();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#client.stop();
    await this.#delivery;
  }

  status() {
    return this.#client.status();
  }

  async dial(request: DialRequest): Promise<DialResult> {
    if (this.#client.status().state !== 'connected') return { ok: false, reason: 'the PBX is not connected' };
    const channel = this.#options.originateChannel.replaceAll('{extension}', request.extension);
    try {
      const { response } = await this.#client.action(
        {
          Action: 'Originate',
          Channel: channel,
          Context: this.#options.originateContext,
          Exten: request.number,
          Priority: '1',
          CallerID: `"${request.number}" <${request.number}>`,
          Timeout: String(this.#options.originateTimeoutSeconds * 1000),
          Async: 'true',
        },
        { timeoutMs: 10_000 },
      );
      if (response.Response !== 'Success') return { ok: false, reason: `Asterisk refused the call: ${response.Message ?? 'no reason given'}` };
      return { ok: true, reference: response.ActionID ?? channel };
    } catch (err) {
      return { ok: false, reason: (err as Error).message };
    }
  }

  /** After login: which channels exist now? Calls that ended while we were away are closed. */
  async #resync(): Promise<void> {
    try {
      await this.#client.action(
        { Action: 'CoreShowChannels' },
        {
          listUntil: 'CoreShowChannelsComplete',
          timeoutMs: 15_000,
          // Applied where the list ends in the stream: channels created after it are not in it.
          inStreamOrder: ({ events }) => {
            const channels = events.filter((e) => e.Event === 'CoreShowChannel');
            this.#deliver(this.#mapper.resync(channels, new Date().toISOString()));
          },
        },
      );
    } catch (err) {
      this.#context.log.warn({ connectionId: this.#context.connectionId, err: (err as Error).message }, 'AMI resync failed');
    }
  }

  #deliver(events: CallEvent[]): void {
    if (events.length === 0 || this.#stopped) return;
    this.#delivery = this.#delivery.then(() =>
      this.#context.sink.ingest(events).catch((err: unknown) => {
        // The journal refused (database down): the events are lost for the journal, but the
        // next resync after a reconnect settles the calls' states.
        this.#context.log.warn({ connectionId: this.#context.connectionId, err: (err as Error).message }, 'could not store AMI events');
      }),
    );
  }
}
