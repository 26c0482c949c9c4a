/**
 * The two prompts AlphaResearch-RM is used with, byte for byte (see shared/design/alpharesearch-rm.md).
 * "boardline" in the paper profile is the original's misspelling; the model was trained with it.
 */
export type PromptProfileId = 'paper' | 'agent';

export interface PromptProfile {
  readonly id: PromptProfileId;
  readonly system: string;
  /** The fixed instruction text that precedes the idea in the user message. */
  readonly instructions: string;
}

const CRITERIA_HEAD =
  "\nYour goal is to assign a score between 1 and 10 based on the proposal's clarity, novelty, technical rigor, and potential impact. Here are the criteria:\n1. Read the following proposal carefully and provide a score from 1 to 10. \n";

export const PROMPT_PROFILES: Record<PromptProfileId, PromptProfile> = {
  paper: {
    id: 'paper',
    system: 'You are an expert reviewer tasked with evaluating the quality of a research proposal. ',
    instructions:
      CRITERIA_HEAD +
      '2. Score 6 means slightly higher than the boardline, 5 is slightly lower than the boardline.\nWrite the score in the \\boxed{}.\n**idea**:\n\n',
  },
  agent: {
    id: 'agent',
    system: 'You are an expert reviewer tasked with evaluating the quality of a research proposal.',
    instructions:
      CRITERIA_HEAD +
      '2. Score 6 means slightly higher than the borderline, 5 is slightly lower than the borderline.\nWrite the score in the \\boxed{}.\n**idea**:\n',
  },
};

/** A chat message as the scripts and OpenAI clients send it (text content). */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** The messages the original scripts send: instructions + title + "\n" + text (title empty in the agent loop). */
export function scoringMessages(profile: PromptProfile, idea: { title?: string; text: string }): ChatMessage[] {
  return [
    { role: 'system', content: profile.system },
    { role: 'user', content: `${profile.instructions}${idea.title ?? ''}\n${idea.text}` },
  ];
}
