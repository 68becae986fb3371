import { MAX_WORDS, placeIndex, readSearch } from '../../../src/domain/search-understanding';

// The reading of a search on its own (no database): which words become which conditions.

const places = placeIndex([
  { city: 'Austin', state: 'TX' },
  { city: 'New York', state: 'NY' },
  { city: 'Brooklyn', state: 'NY' },
  { city: 'Portland', state: 'OR' },
  { city: 'Portland', state: 'ME' },
  { city: 'San Francisco', state: 'CA' },
  { city: 'Washington', state: 'DC' },
  { state: 'TX' },
  { state: 'NY' },
  { state: 'OR' },
  { state: 'ME' },
  { state: 'CA' },
  { state: 'DC' },
]);

const read = (search: string, explicit = {}) => readSearch(search, explicit, places);
const fields = (search: string, explicit = {}) => read(search, explicit).conditions.map((c) => `${c.field}:${c.value}`);

describe('reading a search', () => {
  it.each([
    ['python developer remote', ['REMOTE:true'], 'python developer'],
    ['work from home designer', ['REMOTE:true'], 'designer'],
    ['WFH', ['REMOTE:true'], ''],
    ['on-site nurse', ['REMOTE:false'], 'nurse'],
    ['part-time barista', ['JOB_TYPE:PART_TIME'], 'barista'],
    ['full time', ['JOB_TYPE:FULL_TIME'], ''],
    ['contractor security engineer', ['JOB_TYPE:CONTRACT'], 'security engineer'],
    ['summer internship', ['JOB_TYPE:INTERNSHIP'], 'summer'],
    ['entry-level analyst', ['EXPERIENCE_LEVEL:ENTRY'], 'analyst'],
    ['Senior Living Nurse', ['EXPERIENCE_LEVEL:SENIOR'], 'Living Nurse'],
    ['data engineer austin', ['LOCATION:Austin, TX'], 'data engineer'],
    ['nurse new york', ['LOCATION:NY'], 'nurse'],
    ['nyc data engineer', ['LOCATION:New York, NY'], 'data engineer'],
    ['sf', ['LOCATION:San Francisco, CA'], ''],
    ['accountant texas', ['LOCATION:TX'], 'accountant'],
    ['portland', ['LOCATION:Portland, OR / Portland, ME'], ''],
    ['backend portland or', ['LOCATION:Portland, OR / Portland, ME', 'LOCATION:OR'], 'backend'],
    ['dc lawyer', ['LOCATION:DC'], 'lawyer'],
  ])('%s → %j, text "%s"', (search, conditions, text) => {
    const reading = read(search);
    expect(reading.conditions.map((c) => `${c.field}:${c.value}`)).toEqual(conditions);
    expect(reading.text).toBe(text);
  });

  it('reads a state code that is also a word only in capitals or after a city of that state', () => {
    expect(fields('python or java')).toEqual([]);
    expect(fields('me too')).toEqual([]);
    expect(fields('jobs in OR')).toEqual(['LOCATION:OR']);
    expect(read('portland or').places).toHaveLength(2);
    // "or" after Austin (Texas) is the operator, not Oregon.
    expect(fields('austin or dallas')).toEqual([]);
  });

  it('leaves quoted words, exclusions and alternatives as text', () => {
    expect(read('python "remote"')).toMatchObject({ conditions: [], text: 'python "remote"', strict: '"remote"' });
    expect(read('nurse -remote')).toMatchObject({ conditions: [], text: 'nurse -remote', free: ['nurse'] });
    expect(read('remote or onsite')).toMatchObject({ conditions: [], free: [] });
    // A place no job is in is text: "cape town" stays, to be relaxed away if nothing has it.
    expect(read('devops cape town')).toMatchObject({ conditions: [], free: ['devops', 'cape', 'town'] });
  });

  it('never reads a field an argument sets: its words stay text', () => {
    expect(read('remote python', { remote: false })).toMatchObject({ conditions: [], text: 'remote python' });
    expect(fields('senior austin contract', { experienceLevel: ['LEAD'], location: 'Dallas' })).toEqual(['JOB_TYPE:CONTRACT']);
    expect(fields('part time', { jobType: 'FULL_TIME' })).toEqual([]);
  });

  it('keeps the words of one field together, and reports the words as typed', () => {
    const reading = read('Senior or Lead', {});
    expect(reading.conditions).toEqual([]);
    const both = read('senior remote Sr engineer');
    expect(both.conditions).toEqual([
      { field: 'EXPERIENCE_LEVEL', value: 'SENIOR', words: ['senior', 'Sr'], searchWithout: 'remote engineer' },
      { field: 'REMOTE', value: 'true', words: ['remote'], searchWithout: 'senior Sr engineer' },
    ]);
    expect(both.titleWords.EXPERIENCE_LEVEL).toEqual(['senior', 'sr']);
  });

  it('is bounded: at most MAX_WORDS words are looked at, whatever is typed', () => {
    const many = Array.from({ length: 500 }, (_, i) => (i % 2 ? 'remote' : `w${i}`)).join(' ');
    const reading = read(many);
    expect(reading.free.length + reading.conditions.reduce((n, c) => n + c.words.length, 0)).toBeLessThanOrEqual(MAX_WORDS);
    for (const garbage of ['', '"', '""', '-', '- - -', '"""', '\u0000', ',,,;;;', 'or', 'or or or', '-"-"-']) {
      expect(() => read(garbage)).not.toThrow();
    }
  });

  it('excludes a phrase after "-", never reading it or requiring it', () => {
    expect(read('remote -"sales manager"')).toMatchObject({ text: '-"sales manager"', strict: '-"sales manager"', free: [] });
    expect(read('nurse -"night shift" austin')).toMatchObject({ text: 'nurse -"night shift"', free: ['nurse'] });
  });

  it('drops the words that join conditions, once one was read', () => {
    expect(read('part time in austin')).toMatchObject({ text: '', free: [] });
    expect(read('remote jobs')).toMatchObject({ text: '', free: [] });
    expect(read('senior roles in texas for nurses')).toMatchObject({ text: 'nurses', free: ['nurses'] });
    // Without a condition, every word is the searcher's.
    expect(read('the job')).toMatchObject({ text: 'the job' });
  });

  it('undoes a condition by its own tokens, whatever else has the same word', () => {
    expect(read('"senior developer" senior').conditions[0].searchWithout).toBe('"senior developer"');
    expect(read('-remote remote python').conditions[0].searchWithout).toBe('-remote python');
  });

  it('reads "la" as Los Angeles, an empty location argument as none, "OR" between words as the operator', () => {
    const la = readSearch('nurse la', {}, placeIndex([{ city: 'Los Angeles', state: 'CA' }, { state: 'LA' }]));
    expect(la.conditions.map((c) => c.value)).toEqual(['Los Angeles, CA']);
    expect(fields('austin nurse', { location: ' ' })).toEqual(['LOCATION:Austin, TX']);
    expect(fields('Portland OR nurse')).toEqual([]);
  });

  it('keeps a word typed twice once, and every word past the first 32 as text', () => {
    expect(read('engineer Engineer zzqj engineer').free).toEqual(['engineer', 'zzqj']);
    const long = read(`remote ${Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ')} -sales`);
    expect(long.text.endsWith('w39 -sales')).toBe(true);
  });

  it('keeps the search as typed when nothing is read from it', () => {
    expect(read('  c++  "react native"  ').text).toBe('c++  "react native"');
  });
});
