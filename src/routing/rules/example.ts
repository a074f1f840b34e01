/**
 * A worked example rule set: documentation by example for admins, seed data for
 * demos, and a fixture for tests. Valid against {@link exampleKnownNames}.
 */
import type { TRuleSetInput } from './schema.js';

/** Queues and skills the example refers to. */
export const exampleKnownNames = {
  queues: ['general', 'billing', 'priority', 'complaints', 'support', 'sales', 'crisis'],
  skills: ['billing', 'support', 'sales', 'complaints', 'arabic_senior'],
};

/** The example as an admin would write it (defaults omitted). */
export const exampleRuleSet = {
  rules: [
    {
      // Safety first: nothing else should outrank a caller in distress.
      name: 'crisis',
      description: 'Callers in crisis or very upset go straight to the crisis team.',
      when: 'ivr.intent == "crisis" || customer.sentiment < -0.7',
      queue: 'crisis',
      priority: 100,
    },
    {
      name: 'vip',
      description: 'High-value customers: senior billing agent, ideally the one they know.',
      when: 'customer.accountValue >= 100000.0 || customer.tier == "platinum"',
      queue: 'priority',
      skills: { billing: 3 },
      priority: 90,
      preferLastAgent: { withinHours: 72 },
      steps: [
        // A VIP waiting is worse than a VIP with a less senior agent.
        { afterSeconds: 30, skills: {} },
        { afterSeconds: 120, queue: 'general', offerCallback: true },
      ],
    },
    {
      name: 'arabic-billing',
      description: 'Arabic speakers with billing questions.',
      when: 'call.language == "ar" && ivr.intent == "billing"',
      queue: 'billing',
      skills: { billing: 2 },
      priority: 60,
    },
    {
      name: 'open-complaints',
      description: 'Customers with an unresolved complaint go to the complaints team.',
      when: 'customer.openComplaints > 0',
      queue: 'complaints',
      priority: 70,
    },
  ],
  default: { queue: 'general', priority: 10 },
} satisfies TRuleSetInput;
