/**
 * The WebSocket half of the fake: HELLO, IDENTIFY → READY + GUILD_CREATE,
 * heartbeats, RESUME with replay of missed dispatches, and dispatches filtered by
 * the intents the client identified with and routed to the shard owning the guild.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  type APIUser,
  type ApplicationFlags,
  GatewayCloseCodes,
  GatewayDispatchEvents,
  type GatewayGuildCreateDispatchData,
  GatewayOpcodes,
  type GatewayReadyDispatchData,
} from 'discord-api-types/v10';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { shardOf } from './snowflake.js';

/** How many past dispatches a session keeps for RESUME. */
const REPLAY_BUFFER = 1000;

interface Session {
  readonly id: string;
  readonly shard: readonly [number, number];
  readonly intents: number;
  seq: number;
  readonly buffer: Array<{ op: GatewayOpcodes.Dispatch; t: string; s: number; d: unknown }>;
  socket: WebSocket | undefined;
}

export interface GatewayWorld {
  readonly token: string | undefined;
  readonly applicationId: string;
  botUser(): APIUser;
  guildIds(): string[];
  guildCreate(guildId: string): GatewayGuildCreateDispatchData;
  /** Called whenever a session becomes ready or resumes, so waiters can re-check. */
  changed(): void;
}

export interface GatewayStats {
  identifies: number;
  resumes: number;
  /** RESUMEs refused with INVALID_SESSION (the client then identifies again). */
  invalidSessions: number;
  heartbeats: number;
  /** READY or RESUMED completions; `restartGateway` waits on this. */
  readyOrResumed: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export class FakeGateway {
  private readonly server = new WebSocketServer({ noServer: true });
  private readonly sessions = new Map<string, Session>();
  readonly stats: GatewayStats = { identifies: 0, resumes: 0, invalidSessions: 0, heartbeats: 0, readyOrResumed: 0 };

  constructor(
    private readonly world: GatewayWorld,
    private readonly url: () => string,
    private readonly heartbeatIntervalMs: number,
  ) {
    this.server.on('connection', (socket) => this.onConnection(socket));
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.server.handleUpgrade(request, socket, head, (ws) => this.server.emit('connection', ws, request));
  }

  /** Sessions with an open socket. */
  connectedSessions(): number {
    return [...this.sessions.values()].filter((session) => session.socket?.readyState === WebSocket.OPEN).length;
  }

  /**
   * Send a dispatch to the session(s) that should get it: those whose shard owns
   * `guildId` (all shards when absent) and, if `intent` is given, that asked for it.
   * A session whose socket is closed buffers it for RESUME, as Discord does.
   */
  async dispatch(event: GatewayDispatchEvents, data: unknown, routing: { guildId?: string; intent?: number } = {}): Promise<number> {
    const sends: Promise<void>[] = [];
    let recipients = 0;
    for (const session of this.sessions.values()) {
      if (routing.guildId !== undefined && shardOf(routing.guildId, session.shard[1]) !== session.shard[0]) continue;
      if (routing.intent !== undefined && (session.intents & routing.intent) === 0) continue;
      recipients += 1;
      sends.push(this.sendDispatch(session, event, data));
    }
    await Promise.all(sends);
    return recipients;
  }

  /**
   * Drop every connection as Discord does on a gateway restart. Resumable: the
   * client RESUMEs and gets what it missed. Not resumable: the RESUME is refused
   * (INVALID_SESSION), the client identifies afresh, and dispatches in between are lost.
   */
  restart(options: { resumable?: boolean; code?: number } = {}): number {
    const resumable = options.resumable ?? true;
    let closed = 0;
    for (const [id, session] of this.sessions) {
      if (session.socket) {
        session.socket.close(options.code ?? GatewayCloseCodes.UnknownError, 'fake gateway restart');
        session.socket = undefined;
        closed += 1;
      }
      if (!resumable) this.sessions.delete(id);
    }
    return closed;
  }

  async close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    this.sessions.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private send(socket: WebSocket, payload: unknown): Promise<void> {
    if (socket.readyState !== WebSocket.OPEN) return Promise.resolve();
    return new Promise((resolve) => socket.send(JSON.stringify(payload), () => resolve()));
  }

  private sendDispatch(session: Session, event: string, data: unknown): Promise<void> {
    session.seq += 1;
    const payload = { op: GatewayOpcodes.Dispatch as const, t: event, s: session.seq, d: data };
    session.buffer.push(payload);
    if (session.buffer.length > REPLAY_BUFFER) session.buffer.shift();
    return session.socket ? this.send(session.socket, payload) : Promise.resolve();
  }

  private onConnection(socket: WebSocket): void {
    void this.send(socket, { op: GatewayOpcodes.Hello, d: { heartbeat_interval: this.heartbeatIntervalMs } });
    socket.on('message', (raw) => void this.onMessage(socket, raw));
    socket.on('close', (code) => {
      for (const [id, session] of this.sessions) {
        if (session.socket !== socket) continue;
        session.socket = undefined;
        // A client closing with 1000/1001 ends its session (client.destroy()); it cannot be resumed.
        if (code === 1000 || code === 1001) this.sessions.delete(id);
      }
    });
  }

  private async onMessage(socket: WebSocket, raw: RawData): Promise<void> {
    let payload: unknown;
    try {
      payload = JSON.parse(raw.toString());
    } catch {
      socket.close(GatewayCloseCodes.DecodeError, 'Error while decoding payload.');
      return;
    }
    if (!isRecord(payload)) return;
    switch (payload.op) {
      case GatewayOpcodes.Heartbeat:
        this.stats.heartbeats += 1;
        await this.send(socket, { op: GatewayOpcodes.HeartbeatAck });
        return;
      case GatewayOpcodes.Identify:
        await this.identify(socket, isRecord(payload.d) ? payload.d : {});
        return;
      case GatewayOpcodes.Resume:
        await this.resume(socket, isRecord(payload.d) ? payload.d : {});
        return;
      default:
        // Presence updates, voice state, member requests: accepted and ignored.
        return;
    }
  }

  private tokenAccepted(token: unknown): boolean {
    return typeof token === 'string' && token.length > 0 && (this.world.token === undefined || token === this.world.token);
  }

  private async identify(socket: WebSocket, data: Record<string, unknown>): Promise<void> {
    if (!this.tokenAccepted(data.token)) {
      socket.close(GatewayCloseCodes.AuthenticationFailed, 'Authentication failed.');
      return;
    }
    const shard = Array.isArray(data.shard) && data.shard.length === 2 ? ([Number(data.shard[0]), Number(data.shard[1])] as const) : ([0, 1] as const);
    const session: Session = {
      id: randomBytes(16).toString('hex'),
      shard,
      intents: typeof data.intents === 'number' ? data.intents : 0,
      seq: 0,
      buffer: [],
      socket,
    };
    this.sessions.set(session.id, session);
    this.stats.identifies += 1;
    const guildIds = this.world.guildIds().filter((id) => shardOf(id, shard[1]) === shard[0]);
    const ready: GatewayReadyDispatchData = {
      v: 10,
      user: this.world.botUser(),
      guilds: guildIds.map((id) => ({ id, unavailable: true })),
      session_id: session.id,
      resume_gateway_url: this.url(),
      shard: [shard[0], shard[1]],
      application: { id: this.world.applicationId, flags: 0 as ApplicationFlags, flags_new: '0' },
    };
    await this.sendDispatch(session, GatewayDispatchEvents.Ready, ready);
    // Without a GUILD_CREATE for each guild, discord.js waits 15 s before emitting `ready`.
    for (const guildId of guildIds) await this.sendDispatch(session, GatewayDispatchEvents.GuildCreate, this.world.guildCreate(guildId));
    this.stats.readyOrResumed += 1;
    this.world.changed();
  }

  private async resume(socket: WebSocket, data: Record<string, unknown>): Promise<void> {
    const session = typeof data.session_id === 'string' ? this.sessions.get(data.session_id) : undefined;
    if (!session || !this.tokenAccepted(data.token)) {
      this.stats.invalidSessions += 1;
      await this.send(socket, { op: GatewayOpcodes.InvalidSession, d: false });
      return;
    }
    this.stats.resumes += 1;
    // Replay by sequence number, picking up dispatches that arrive while replaying;
    // the socket is attached only once the backlog is sent, so the order holds.
    let next = (typeof data.seq === 'number' ? data.seq : 0) + 1;
    for (let missed = session.buffer.find((entry) => entry.s === next); missed; missed = session.buffer.find((entry) => entry.s === next)) {
      await this.send(socket, missed);
      next += 1;
    }
    session.socket = socket;
    await this.sendDispatch(session, GatewayDispatchEvents.Resumed, null);
    this.stats.readyOrResumed += 1;
    this.world.changed();
  }
}
