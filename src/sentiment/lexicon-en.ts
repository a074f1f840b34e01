/**
 * English customer-service lexicon (weights −3..+3), curated in-house for
 * contact-center messages: billing anger, outages, delays, rudeness,
 * churn threats, thanks and praise. General-purpose words whose polarity
 * flips with context ("down", "help", "charge") are left out or only listed
 * inside phrases.
 */
import type { LexiconSource } from './lexicon.js';

/** English lexicon source; compiled in score.ts. */
export const EN_LEXICON: LexiconSource = {
  entries: {
    // Anger / frustration
    angry: -2, furious: -3, livid: -3, annoyed: -2, annoying: -2, irritated: -2, upset: -2,
    frustrated: -2, frustrating: -2, disappointed: -2, disappointing: -2, unhappy: -2,
    dissatisfied: -2, unsatisfied: -2, 'fed up': -3, 'sick of': -3, 'tired of': -2, 'had enough': -3,
    hate: -3, hated: -3, outraged: -3, outrageous: -3, ugh: -1, wtf: -3, damn: -2,
    // Quality judgements
    terrible: -3, horrible: -3, awful: -3, worst: -3, worse: -2, bad: -2, poor: -2, pathetic: -3,
    disgusting: -3, disgraceful: -3, shameful: -3, shame: -2, appalling: -3, useless: -2,
    ridiculous: -2, unacceptable: -3, unreliable: -2, incompetent: -3, unprofessional: -2,
    joke: -2, nightmare: -3, mess: -2, hassle: -2, sucks: -3, crap: -3, rubbish: -2, stupid: -2,
    idiot: -3, idiots: -3, clueless: -2, confusing: -1, confused: -1, impossible: -2,
    // Honesty / billing
    scam: -3, fraud: -3, lied: -3, lying: -3, liar: -3, liars: -3, cheated: -3, misleading: -2,
    'ripped off': -3, 'rip off': -3, ripoff: -3, overcharged: -3, overcharging: -3,
    'double charged': -3, 'charged twice': -3, 'charged me twice': -3, 'hidden fees': -2,
    'wrong bill': -2, 'wrong amount': -2, overpriced: -2, expensive: -1, refund: -1,
    'money back': -2, 'want my money': -2, dispute: -1,
    // Outages / faults
    broken: -2, faulty: -2, defective: -2, damaged: -2, fail: -2, failed: -2, failing: -2,
    failure: -2, outage: -2, outages: -2, crash: -2, crashed: -2, crashing: -2, freezing: -2,
    frozen: -1, stuck: -2, disconnected: -2, 'cut off': -2, 'dropped calls': -2, 'keeps dropping': -2,
    'is down': -2, 'was down': -2, 'been down': -2, 'still down': -3, 'went down': -2,
    'not working': -2, 'doesnt work': -2, 'didnt work': -2, 'isnt working': -2, 'stopped working': -2,
    'wont work': -2, 'no signal': -2, 'no internet': -2, 'no service': -2, 'no connection': -2,
    error: -1, errors: -1, problem: -1, issue: -1, glitch: -1, bug: -1, missing: -1, lost: -1,
    wrong: -2, slow: -2, slowly: -1, weak: -1,
    // Delays / being ignored
    delay: -2, delayed: -2, late: -1, waiting: -1, waited: -1, wait: -1, still: -1, forever: -1,
    'still waiting': -2, 'too long': -2, 'ages': -1, 'yet again': -2, 'once again': -1,
    'every time': -1, ignored: -2, ignoring: -2, 'hung up': -2, 'no response': -2, 'no reply': -2,
    'no answer': -2, 'nobody called': -2, 'nobody answered': -2, 'nobody replied': -2,
    'no one called': -2, 'no one answered': -2, 'no one replied': -2, 'no one helped': -2,
    'nobody helped': -2, 'no one cares': -3, 'nobody cares': -3,
    // Rudeness
    rude: -3, impolite: -2, arrogant: -2, disrespectful: -3, careless: -2,
    // Churn / escalation threats
    cancel: -2, cancelling: -2, canceling: -2, cancellation: -1, terminate: -2, 'switch provider': -2,
    'switching to': -2, 'leaving you': -2, complaint: -2, complain: -2, complaining: -2,
    escalate: -2, 'speak to a manager': -2, 'your manager': -1, lawyer: -1, sue: -2, lawsuit: -2,
    regulator: -2, 'never again': -3,
    // Thanks
    thanks: 2, thank: 2, thx: 2, tnx: 2, cheers: 1, appreciate: 2, appreciated: 2,
    'much appreciated': 2, grateful: 2, 'thanks again': 2, 'thanks a lot': 3, 'thanks anyway': 0,
    'no thanks': 0,
    // Praise
    great: 2, excellent: 3, amazing: 3, awesome: 3, perfect: 3, fantastic: 3, wonderful: 3,
    brilliant: 3, outstanding: 3, superb: 3, good: 2, nice: 2, fine: 1, lovely: 2, best: 2,
    better: 1, impressed: 2, impressive: 2, helpful: 2, kind: 2, polite: 2, friendly: 2,
    professional: 2, patient: 1, quick: 1, fast: 1, quickly: 1, prompt: 1, efficient: 2,
    easy: 1, smooth: 1, reliable: 2, recommend: 2, legend: 2, 'well done': 2, 'good job': 3,
    'great job': 3, 'keep it up': 2, 'above and beyond': 3,
    // Resolution
    resolved: 2, fixed: 2, solved: 2, sorted: 1, restored: 2, working: 1, works: 1, helped: 2,
    'works now': 2, 'working now': 2, 'all good': 2, 'no problem': 1, 'no worries': 1,
    'no issues': 1, 'cant wait': 1,
    // Feelings
    happy: 2, glad: 2, pleased: 2, satisfied: 2, relieved: 2, love: 3, loved: 3, delighted: 3,
    acceptable: 1,
    // Common Arabizi (Latin-script Arabic) from Gulf chat
    shukran: 2, shokran: 2, mashkoor: 2, mashkor: 2, mumtaz: 3, '7aram 3alaikum': -3,
  },
  negators: [
    'not', 'no', 'never', 'nothing', 'nobody', 'none', 'neither', 'nor', 'without', 'hardly', 'barely',
    "don't", "doesn't", "didn't", "isn't", "wasn't", "aren't", "weren't", "won't", "can't", 'cannot',
    "couldn't", "shouldn't", "wouldn't", "haven't", "hasn't", "hadn't", "ain't",
  ],
  intensifiers: {
    very: { mult: 1.5, pre: true }, really: { mult: 1.5, pre: true }, so: { mult: 1.4, pre: true },
    extremely: { mult: 1.8, pre: true }, super: { mult: 1.5, pre: true }, totally: { mult: 1.5, pre: true },
    absolutely: { mult: 1.6, pre: true }, completely: { mult: 1.5, pre: true }, too: { mult: 1.3, pre: true },
    incredibly: { mult: 1.7, pre: true }, highly: { mult: 1.4, pre: true }, seriously: { mult: 1.4, pre: true },
    truly: { mult: 1.4, pre: true }, utterly: { mult: 1.7, pre: true }, quite: { mult: 1.2, pre: true },
    much: { mult: 1.3, post: true }, slightly: { mult: 0.6, pre: true }, somewhat: { mult: 0.7, pre: true },
    bit: { mult: 0.6, pre: true }, 'kinda': { mult: 0.7, pre: true },
  },
  contrasts: ['but', 'however', 'although', 'though', 'yet'],
};
