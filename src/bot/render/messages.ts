/**
 * What the game's commands say, as message text and embeds. Pure functions of
 * service results; user text (titles, prompts, names) is put on one line and
 * markdown-escaped, and embeds never ping anyone.
 */
import { type APIEmbed, escapeMarkdown } from 'discord.js';
import type { GuildSettings } from '../../db/schema.js';
import type { PlayerStanding } from '../../db/repositories/leaderboards.js';
import type { ChallengeSummary, ClosedChallenge, PreparedChallenge } from '../services/challenges.js';
import type { GuessResult } from '../services/guesses.js';
import type { ChallengeBoard, LabelledEntry } from '../services/leaderboards.js';
import type { Profile } from '../services/profiles.js';
import { clip, singleLine } from '../services/refusals.js';
import type { SettingsView } from '../services/settings.js';

const EMBED_DESCRIPTION_LIMIT = 4096;
const FIELD_LIMIT = 1024;
const ACCENT = 0x4f46e5;

/** User text, safe to show inline: one line, at most `max` characters, markdown escaped. */
export function userText(text: string, max = 200): string {
  return escapeMarkdown(clip(singleLine(text), max));
}

export function scoreText(mean: number, sd: number): string {
  return `${mean.toFixed(3)} ± ${sd.toFixed(3)}`;
}

export function promptSpaceLine(words: readonly string[], probabilities: readonly number[]): string {
  return words.map((word, i) => `\`${word.replace(/`/g, "'")}\` ${((probabilities[i] ?? 0) * 100).toFixed(1)}%`).join(' · ');
}

export function challengeAnnouncement(prepared: PreparedChallenge, files: { readonly target: string; readonly card: string }): { content: string; embeds: APIEmbed[] } {
  const { configuration, promptSpace } = prepared;
  return {
    content: `🎯 **${userText(prepared.title, 100)}** — a new challenge by ${userText(prepared.owner.displayName, 64)}. What prompt drew this picture?`,
    embeds: [
      {
        title: 'The target',
        color: ACCENT,
        image: { url: `attachment://${files.target}` },
        description: [
          `**Prompt space** (${promptSpace.words.length} words, prompts of ${configuration.promptLength}):`,
          promptSpaceLine(promptSpace.words, promptSpace.probabilities),
          '',
          `Preset ${configuration.preset} · ${configuration.evaluationImages} images per guess · vote weight λ ${configuration.voteWeight}${prepared.secretPrompt ? ' · the owner knows the real prompt' : ''}`,
        ].join('\n'),
      },
      { title: 'Prompt space', color: ACCENT, image: { url: `attachment://${files.card}` } },
    ],
  };
}

export function challengeIntro(challengeId: number, title: string, quotas: GuildSettings['quotas'], evaluationImages: number): string {
  const limits = [
    `up to ${quotas.guessesPerPlayerPerChallenge} guesses each`,
    ...(quotas.guessCooldownSeconds > 0 ? [`one every ${quotas.guessCooldownSeconds} s`] : []),
  ].join(', ');
  return [
    `**Challenge #${challengeId}: ${userText(title, 100)}**`,
    `Guess the prompt with \`/guess prompt:…\` in this thread: each guess draws ${evaluationImages} images from your prompt and scores how close they come to the target (${limits}).`,
    'The machine can learn one too with `/train`. `/leaderboard` shows who is ahead; the owner or a moderator ends it with `/challenge close`.',
  ].join('\n');
}

export function guessMessage(result: GuessResult, playerName: string, gridFile: string): { content: string; embeds: APIEmbed[] } {
  const best = result.personalBest && result.attemptsUsed > 1 ? ' — your best so far!' : '';
  return {
    content: `**${userText(playerName, 64)}** guessed “${userText(result.prompt, 300)}”`,
    embeds: [
      {
        color: ACCENT,
        title: `Score ${scoreText(result.mean, result.sd)}`,
        description: `Rank **${result.rank.rank}** of ${result.rank.of} on challenge #${result.challenge.id}${best}\nGuess ${result.attemptsUsed} of ${result.attemptsAllowed} · similarities ${result.similarities.map((value) => value.toFixed(3)).join(', ')}`,
        image: { url: `attachment://${gridFile}` },
      },
    ],
  };
}

export function challengeListEmbed(summaries: readonly ChallengeSummary[]): APIEmbed {
  if (summaries.length === 0) return { title: 'Challenges', description: 'No challenges yet: post a picture with `/challenge create`.' };
  const lines = summaries.map(({ challenge, guesses, players, bestMean }) => {
    const where = challenge.threadId ? ` <#${challenge.threadId}>` : '';
    const best = bestMean === null ? 'no guesses yet' : `best ${bestMean.toFixed(3)} · ${guesses} guesses by ${players}`;
    return `**#${challenge.id}** ${userText(challenge.title, 80)}${where} — ${challenge.status === 'open' ? '🟢 open' : '⚪ closed'} · ${best}`;
  });
  return { title: 'Challenges', color: ACCENT, description: clip(lines.join('\n'), EMBED_DESCRIPTION_LIMIT) };
}

function entryLine(entry: LabelledEntry): string {
  const name = entry.kind === 'machine' ? entry.label : `**${userText(entry.label, 64)}**`;
  return `${entry.rank}. ${name} — “${userText(entry.prompt, 120)}” · ${scoreText(entry.mean, entry.sd)}`;
}

export function closedChallengeEmbed(closed: ClosedChallenge): APIEmbed {
  const { challenge } = closed;
  const fields: NonNullable<APIEmbed['fields']> = [
    {
      name: 'The real prompt',
      value: closed.secretPrompt ? `||${userText(closed.secretPrompt, 300)}||` : 'The owner did not give one.',
    },
    {
      name: 'Final standings',
      value: clip(closed.standings.slice(0, 10).map(entryLine).join('\n') || 'Nobody guessed.', FIELD_LIMIT),
    },
  ];
  const awarded = closed.awards.filter((award) => award.awardedNow);
  if (closed.awards.length > 0) {
    const lines = closed.awards.map(
      (award) => `+${award.amount} ${userText(award.displayName, 64)} — ${award.reason === 'best-prompt' ? 'best prompt' : 'beat the machine'}${award.awardedNow ? '' : ' (already awarded)'}`,
    );
    fields.push({ name: awarded.length > 0 ? 'Points' : 'Points (awarded earlier)', value: clip(lines.join('\n'), FIELD_LIMIT) });
  }
  return {
    title: `Challenge #${challenge.id} ${closed.closedNow ? 'is closed' : 'was already closed'}: ${clip(singleLine(challenge.title), 200)}`,
    color: ACCENT,
    fields,
  };
}

export function challengeBoardEmbed(board: ChallengeBoard, cardFile: string): APIEmbed {
  const humans = board.entries.filter((entry) => entry.kind === 'human');
  const machine = board.entries.filter((entry) => entry.kind === 'machine');
  const verdict =
    humans.length === 0 || machine.length === 0
      ? ''
      : (humans[0]?.mean ?? 0) > (machine[0]?.mean ?? 0)
        ? '\nPeople are ahead of the machine.'
        : '\nThe machine is ahead.';
  return {
    title: `Leaderboard · challenge #${board.challenge.id}: ${clip(singleLine(board.challenge.title), 200)}`,
    color: ACCENT,
    description: clip((board.entries.map(entryLine).join('\n') || 'No guesses yet: be the first with `/guess`.') + verdict, EMBED_DESCRIPTION_LIMIT),
    image: { url: `attachment://${cardFile}` },
  };
}

export function serverBoardEmbed(standings: readonly PlayerStanding[], guildName: string, cardFile: string): APIEmbed {
  const lines = standings.map(
    (standing) => `${standing.rank}. **${userText(standing.displayName, 64)}** — ${standing.points} pts · beat the machine ×${standing.winsAgainstMachine}`,
  );
  return {
    title: `Leaderboard · ${clip(singleLine(guildName), 200)}`,
    color: ACCENT,
    description: lines.join('\n') || 'Nobody has points yet: challenges award them when they close.',
    image: { url: `attachment://${cardFile}` },
  };
}

export function profileEmbed(profile: Profile, name: string): APIEmbed {
  const best = profile.bestPrompts.map((entry) => `#${entry.challengeId} ${userText(entry.title, 60)}: “${userText(entry.prompt, 120)}” · ${scoreText(entry.mean, entry.sd)}`);
  return {
    title: `${clip(singleLine(name), 200)}`,
    color: ACCENT,
    fields: [
      { name: 'Points', value: `${profile.pointsHere} here · ${profile.pointsEverywhere} everywhere`, inline: true },
      { name: 'Wins', value: `${profile.challengesWon} challenges won · beat the machine ×${profile.machineBeaten}`, inline: true },
      { name: 'Played', value: `${profile.guesses} guesses in ${profile.challengesPlayed} challenges`, inline: true },
      { name: 'Best prompts', value: clip(best.join('\n') || 'None yet: try `/guess` in a challenge thread.', FIELD_LIMIT) },
    ],
  };
}

export function settingsEmbed(view: SettingsView): APIEmbed {
  const { settings } = view;
  const { quotas } = settings;
  const generators = view.generators.map((status) => `${status.generator} ${status.configured ? '✅' : `❌ (set ${status.envVar})`}`).join(' · ');
  return {
    title: 'Server settings',
    color: ACCENT,
    fields: [
      { name: 'Generator', value: `${settings.generator} · ${escapeMarkdown(settings.model)}`, inline: true },
      { name: 'Vote weight λ', value: String(settings.voteWeight), inline: true },
      {
        name: 'Spending cap',
        value: `${settings.spendingCapUsd === null ? 'none' : `$${settings.spendingCapUsd.toFixed(2)} a month`} · $${view.spentThisMonthUsd.toFixed(2)} spent this month`,
        inline: true,
      },
      {
        name: 'Quotas',
        value: [
          `${quotas.guessesPerPlayerPerChallenge} guesses per player per challenge, one every ${quotas.guessCooldownSeconds} s`,
          `${quotas.runsPerUserPerDay} runs per user per day`,
          `${quotas.concurrentRunsPerUser} concurrent runs per user, ${quotas.concurrentRunsPerGuild} per server`,
        ].join('\n'),
      },
      { name: 'Generators on this bot', value: generators },
    ],
  };
}
