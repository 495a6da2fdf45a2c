import { CASES } from '../fuzz/cases';
test('count', () => {
  const t = CASES.map((c, i) => [i + 1, c] as const).filter(([, c]) => c.kind === 'teleport');
  console.log(CASES.length, t.length, t[0][0], t[t.length - 1][0], t.filter(([, c]) => c.expect === 'ok').length);
  console.log(CASES[905].name);
});
