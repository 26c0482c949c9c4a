/**
 * The stored calibrator, `referee.calibrator` v1: the fitted map from raw P(accept) to calibrated P(accept),
 * with what it was fitted on. Only zod here, so the result schema can embed it without the fitting code.
 */
import { z } from 'zod';

export const CALIBRATOR_SCHEMA_ID = 'referee.calibrator';
export const CALIBRATOR_SCHEMA_VERSION = 1;

const probability = z.number().min(0).max(1);
const PlattFitSchema = z.object({ method: z.literal('platt'), a: z.number(), b: z.number(), epsilon: z.number().positive().max(0.5) });
const IsotonicFitSchema = z.object({ method: z.literal('isotonic'), x: z.array(probability).min(1), y: z.array(probability).min(1) });

const ReliabilitySummarySchema = z.object({ ece: z.number().nullable(), brier: z.number().nullable() });

export const CalibratorSchema = z
  .object({
    schema: z.literal(CALIBRATOR_SCHEMA_ID),
    version: z.literal(CALIBRATOR_SCHEMA_VERSION),
    /** What it maps: the raw P(score ⋛ threshold) over all probability mass, at the threshold below. */
    input: z.literal('pAccept'),
    fit: z.discriminatedUnion('method', [PlattFitSchema, IsotonicFitSchema]),
    fittedOn: z.object({
      /** The labelled file's name (null when not from a file). */
      file: z.string().nullable(),
      /** Ideas in the fitting part, and how many of them were positive. */
      n: z.number().int().positive(),
      positives: z.number().int().nonnegative(),
      /** Ideas held out to check it. */
      heldOut: z.number().int().nonnegative(),
      heldOutPositives: z.number().int().nonnegative(),
      labelRule: z.string(),
      model: z.object({ id: z.string(), revision: z.string().nullable(), dtype: z.string(), device: z.string() }),
      profile: z.enum(['paper', 'agent']),
      threshold: z.number(),
      comparison: z.enum(['>', '>=']),
      split: z.object({ seed: z.number().int(), trainFraction: z.number().gt(0).lt(1) }),
      fittedAt: z.string(),
    }),
    /** ECE and Brier on the held-out part, with the raw and with the calibrated probabilities. */
    heldOut: z.object({ before: ReliabilitySummarySchema, after: ReliabilitySummarySchema }),
  })
  .superRefine((c, ctx) => {
    if (c.fit.method !== 'isotonic') return;
    const { x, y } = c.fit;
    if (x.length !== y.length) ctx.addIssue({ code: 'custom', path: ['fit'], message: 'isotonic x and y differ in length' });
    for (let i = 1; i < x.length; i++) {
      if (!(x[i]! >= x[i - 1]!) || !(y[i]! >= y[i - 1]!)) {
        ctx.addIssue({ code: 'custom', path: ['fit'], message: 'isotonic breakpoints must ascend' });
        break;
      }
    }
  });

export type Calibrator = z.infer<typeof CalibratorSchema>;
