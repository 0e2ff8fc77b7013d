/**
 * Removes mentions of the bot from message text and trims it. Slack writes mentions as
 * `<@U123>` or `<@U123|name>`; Teams as `<at>Name</at>`.
 */
export function stripSlackMentions(text: string, botUserId?: string): string {
  const re = botUserId ? new RegExp(`<@${botUserId}(\\|[^>]*)?>`, 'g') : /^\s*<@[A-Z0-9]+(\|[^>]*)?>/;
  return text.replace(re, ' ').replace(/\s+/g, ' ').trim();
}

export function stripTeamsMentions(text: string, botNames: string[] = []): string {
  let out = text.replace(/<at>([^<]*)<\/at>/g, (m, name: string) => (botNames.length === 0 || botNames.includes(name.trim()) ? ' ' : name));
  out = out.replace(/&nbsp;/g, ' ');
  return out.replace(/\s+/g, ' ').trim();
}
