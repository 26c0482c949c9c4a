import { resolve } from 'node:path';
import { generateFixtures } from '../../src/cli/fixtures';

/** The generated tiny models every test may use; rebuilt only when their generator or builder changed. */
export default async function setup(): Promise<void> {
  await generateFixtures(resolve('.fixtures'), (line) => console.info(line));
}
