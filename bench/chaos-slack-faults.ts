// Filled in once the local Slack can inject faults (500 after storing, per-method 429).
export const slackFaultScenarios: Array<[string, () => Promise<void>]> = [];
