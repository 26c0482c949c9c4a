import { describe, expect, it } from 'vitest';
import { PROMPT_PROFILES, scoringMessages } from './prompt-profiles';

// Written out by hand from the original scripts (see shared/design/alpharesearch-rm.md), not built from the
// module's own pieces, so any drift in a space, newline or the trained-in "boardline" fails here.
const PAPER_SYSTEM = 'You are an expert reviewer tasked with evaluating the quality of a research proposal. ';
const PAPER_SCORING =
  "\nYour goal is to assign a score between 1 and 10 based on the proposal's clarity, novelty, technical rigor, and potential impact. Here are the criteria:\n1. Read the following proposal carefully and provide a score from 1 to 10. \n2. Score 6 means slightly higher than the boardline, 5 is slightly lower than the boardline.\nWrite the score in the \\boxed{}.\n**idea**:\n\n";
const AGENT_SYSTEM = 'You are an expert reviewer tasked with evaluating the quality of a research proposal.';
const AGENT_SCORING =
  "\nYour goal is to assign a score between 1 and 10 based on the proposal's clarity, novelty, technical rigor, and potential impact. Here are the criteria:\n1. Read the following proposal carefully and provide a score from 1 to 10. \n2. Score 6 means slightly higher than the borderline, 5 is slightly lower than the borderline.\nWrite the score in the \\boxed{}.\n**idea**:\n";

describe('prompt profiles, byte for byte', () => {
  it('paper: trailing-space system prompt, "boardline", two newlines, title + "\\n" + abstract', () => {
    expect(scoringMessages(PROMPT_PROFILES.paper, { title: 'T', text: 'Abstract.' })).toEqual([
      { role: 'system', content: PAPER_SYSTEM },
      { role: 'user', content: `${PAPER_SCORING}T\nAbstract.` },
    ]);
  });

  it('agent: no trailing space, "borderline", one newline, empty title then "\\n" + proposal', () => {
    expect(scoringMessages(PROMPT_PROFILES.agent, { text: 'Proposal.' })).toEqual([
      { role: 'system', content: AGENT_SYSTEM },
      { role: 'user', content: `${AGENT_SCORING}\nProposal.` },
    ]);
  });

  it('a missing title is the empty string, as the agent loop sends', () => {
    expect(scoringMessages(PROMPT_PROFILES.paper, { text: 'X' })[1]!.content).toBe(`${PAPER_SCORING}\nX`);
  });
});
