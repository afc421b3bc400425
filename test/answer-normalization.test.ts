// Answers match after NFKC, full case folding and removal of punctuation, symbols and spaces.
import { expect } from 'chai';
import { createAnswerHasher, normalizeAnswer } from '../src/core/answer-hash.ts';

describe('answer normalization', () => {
  const cases: [string, string, string][] = [
    ['case', 'Golden Gate', 'golden gate'],
    ['spaces', 'golden   gate', 'goldengate'],
    ['punctuation', 'Golden-Gate!?', 'golden gate'],
    ['symbols', 'gold$ gate© ✓', 'gold gate'],
    ['NFKC before stripping: ™ is the letters TM', 'brand™', 'BRAND TM'],
    ['NFKC compatibility forms', 'ｇｏｌｄ', 'gold'],
    ['ligatures', 'ﬁsh', 'fish'],
    ['ß folds to ss', 'Straße', 'STRASSE'],
    ['composed and decomposed accents', 'Cafe\u0301', 'Café'],
    ['final sigma', 'ΟΔΟΣ', 'οδος'],
    ['zero-width and tabs', 'gold\u200b\tgate', 'goldgate'],
  ];
  for (const [label, a, b] of cases) {
    it(`treats "${a}" and "${b}" as the same answer (${label})`, () => {
      expect(normalizeAnswer(a)).to.equal(normalizeAnswer(b));
    });
  }

  it('keeps letters and digits apart', () => {
    expect(normalizeAnswer('gold 1')).not.to.equal(normalizeAnswer('gold 2'));
    expect(normalizeAnswer('abc')).not.to.equal(normalizeAnswer('abd'));
  });

  it('leaves nothing of an answer made only of punctuation, symbols and spaces', () => {
    expect(normalizeAnswer(' ?!… — 🎉 ')).to.equal('');
  });

  it('hashes with a key: same answer and key match, another key does not', () => {
    const one = createAnswerHasher('first-key-0123456789');
    const two = createAnswerHasher('second-key-0123456789');
    expect(one.hash('gold').equals(one.hash('gold'))).to.equal(true);
    expect(one.hash('gold').equals(two.hash('gold'))).to.equal(false);
    expect(one.keyId).not.to.equal(two.keyId);
    expect(one.keyId).not.to.include('first-key');
  });
});
