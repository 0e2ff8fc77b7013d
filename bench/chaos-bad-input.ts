export async function badInputScenario(): Promise<void> {}
