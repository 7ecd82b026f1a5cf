/**
 * Builders for the Discord objects the fake serves. Each returns the exact
 * `discord-api-types/v10` shape, so a field Discord sends and the fake forgot
 * is a type error here rather than a surprise inside discord.js.
 */
import {
  type APIGuildMember,
  type APIGuildTextChannel,
  type APIRole,
  type APIThreadChannel,
  type APIUser,
  ChannelType,
  GuildDefaultMessageNotifications,
  GuildExplicitContentFilter,
  type GuildHubType,
  GuildMFALevel,
  GuildNSFWLevel,
  GuildPremiumTier,
  GuildSystemChannelFlags,
  GuildVerificationLevel,
  type GatewayGuildCreateDispatchData,
  type GuildMemberFlags,
  type RoleFlags,
  PermissionFlagsBits,
  type ThreadAutoArchiveDuration,
} from 'discord-api-types/v10';
import { nextSnowflake } from './snowflake.js';

/** Discord's flag enums have no member for "none"; zero is what it sends. */
const NO_FLAGS = 0;

/** Every permission bit Discord defines, OR-ed: what an administrator or a guild owner has. */
export const ALL_PERMISSIONS: bigint = Object.values(PermissionFlagsBits).reduce((all, bit) => all | bit, 0n);

export function buildUser(username: string, options: { id?: string; bot?: boolean } = {}): APIUser {
  return {
    id: options.id ?? nextSnowflake(),
    username,
    discriminator: '0',
    global_name: username,
    avatar: null,
    ...(options.bot ? { bot: true } : {}),
  };
}

/** A role; the @everyone role must be given the guild's own id (Discord's rule). */
export function buildRole(
  options: { id?: string; name: string; permissions: bigint; position: number; mentionable?: boolean },
): APIRole {
  return {
    id: options.id ?? nextSnowflake(),
    name: options.name,
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    position: options.position,
    permissions: options.permissions.toString(),
    managed: false,
    mentionable: options.mentionable ?? false,
    flags: NO_FLAGS as RoleFlags,
  };
}

export function buildMember(user: APIUser, roles: readonly string[], joinedAt: string): APIGuildMember {
  return { user, roles: [...roles], joined_at: joinedAt, deaf: false, mute: false, flags: NO_FLAGS as GuildMemberFlags };
}

export function buildTextChannel(guildId: string, name: string, position: number, id = nextSnowflake()): APIGuildTextChannel<ChannelType.GuildText> {
  return {
    id,
    type: ChannelType.GuildText,
    guild_id: guildId,
    name,
    position,
    permission_overwrites: [],
    nsfw: false,
    topic: null,
    last_message_id: null,
    rate_limit_per_user: 0,
    parent_id: null,
    default_auto_archive_duration: 1440,
  };
}

export function buildThread(options: {
  id: string;
  guildId: string;
  parentId: string;
  ownerId: string;
  name: string;
  type: ChannelType.PublicThread | ChannelType.PrivateThread | ChannelType.AnnouncementThread;
  autoArchiveDuration: ThreadAutoArchiveDuration;
  createdAt: string;
}): APIThreadChannel {
  return {
    id: options.id,
    type: options.type,
    guild_id: options.guildId,
    parent_id: options.parentId,
    owner_id: options.ownerId,
    name: options.name,
    last_message_id: null,
    rate_limit_per_user: 0,
    message_count: 0,
    member_count: 1,
    total_message_sent: 0,
    thread_metadata: {
      archived: false,
      auto_archive_duration: options.autoArchiveDuration,
      archive_timestamp: options.createdAt,
      locked: false,
      create_timestamp: options.createdAt,
    },
  };
}

/** The full GUILD_CREATE payload for a guild the bot is in. */
export function buildGuildCreate(parts: {
  id: string;
  name: string;
  ownerId: string;
  joinedAt: string;
  roles: APIRole[];
  members: APIGuildMember[];
  channels: APIGuildTextChannel<ChannelType.GuildText>[];
  threads: APIThreadChannel[];
}): GatewayGuildCreateDispatchData {
  return {
    id: parts.id,
    name: parts.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    owner_id: parts.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: GuildVerificationLevel.None,
    default_message_notifications: GuildDefaultMessageNotifications.OnlyMentions,
    explicit_content_filter: GuildExplicitContentFilter.Disabled,
    roles: parts.roles,
    emojis: [],
    features: [],
    mfa_level: GuildMFALevel.None,
    application_id: null,
    system_channel_id: null,
    system_channel_flags: GuildSystemChannelFlags.SuppressJoinNotifications,
    rules_channel_id: null,
    vanity_url_code: null,
    description: null,
    banner: null,
    premium_tier: GuildPremiumTier.None,
    preferred_locale: 'en-US' as GatewayGuildCreateDispatchData['preferred_locale'],
    public_updates_channel_id: null,
    nsfw_level: GuildNSFWLevel.Default,
    stickers: [],
    premium_progress_bar_enabled: false,
    hub_type: null as GuildHubType | null,
    safety_alerts_channel_id: null,
    incidents_data: null,
    joined_at: parts.joinedAt,
    large: false,
    unavailable: false,
    member_count: parts.members.length,
    voice_states: [],
    members: parts.members,
    channels: parts.channels,
    threads: parts.threads,
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}
