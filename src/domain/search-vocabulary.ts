/**
 * The job domain's search vocabulary: words people type that the jobs spell another way.
 * Each group is a set of equivalent terms (a word or a phrase): a search for any of them finds
 * jobs with any of them, ranked as if the job had the word searched for. A term ending in
 * `:AB` counts only in a job's title, company and skills: "go" the language, not "go above and
 * beyond" in a description.
 *
 * This is the half of the vocabulary that only changes searches. It is written to the
 * database's search_synonym table when the gateway migrates its database (syncVocabulary in
 * src/data/search-vocabulary.ts), and applied inside PostgreSQL by ts_rewrite: editing a group
 * here needs no migration and no reindexing. Technical names kept whole (c++, c#, .net,
 * node.js) and compounds spelt one way (full-stack, front end) change what is indexed, so
 * they are in the migration `search_vocabulary` (chommie_search_text). docs/SEARCH.md lists both.
 *
 * A term that is only a stop word ("it" for information technology) can never be searched
 * for: PostgreSQL drops it before the vocabulary is applied. Terms are matched by their English
 * stems, so a term whose stem is a common word's brings that word's jobs too: "restful" is
 * "rest", "account manager" is "accounting manager", "intern" is "international". Such terms
 * are left out.
 *
 * Bump VOCABULARY_VERSION with every change: a gateway never replaces the synonyms of a newer
 * vocabulary with its own (a rolling deploy's old instances restarting).
 */
export const VOCABULARY_VERSION = 2;
export const SYNONYMS: readonly (readonly string[])[] = [
  // Languages, frameworks, platforms.
  ['golang', 'go:AB'],
  ['javascript', 'js', 'ecmascript'],
  ['typescript', 'ts:AB'],
  ['python', 'py:AB'],
  ['cplusplus', 'cpp'],
  ['csharp', 'c sharp'],
  ['nodejs', 'node:AB'],
  ['reactjs', 'react'],
  ['vuejs', 'vue'],
  ['angularjs', 'angular'],
  ['kubernetes', 'k8s', 'kube'],
  ['postgresql', 'postgres', 'psql'],
  ['mongodb', 'mongo'],
  ['elasticsearch', 'elastic search'],
  ['amazon web services', 'aws'],
  ['google cloud', 'gcp', 'google cloud platform'],
  ['microsoft azure', 'azure'],
  ['cicd', 'continuous integration', 'continuous delivery', 'continuous deployment'],
  ['sql server', 'mssql'],
  // Fields.
  ['machine learning', 'ml'],
  ['artificial intelligence', 'ai'],
  ['deep learning', 'dl:AB'],
  ['natural language processing', 'nlp'],
  ['computer vision', 'cv:AB'],
  ['large language model', 'llm'],
  ['business intelligence', 'bi:AB'],
  ['user experience', 'ux'],
  ['user interface', 'ui'],
  ['quality assurance', 'qa', 'quality engineer', 'test engineer'],
  ['site reliability', 'sre'],
  ['information security', 'infosec', 'cybersecurity', 'cyber security'],
  ['human resources', 'hr'],
  ['search engine optimization', 'seo'],
  ['customer relationship management', 'crm'],
  ['enterprise resource planning', 'erp'],
  // Roles.
  ['software engineer', 'swe', 'software developer', 'sde'],
  ['frontend', 'ui developer'],
  ['backend', 'server side'],
  ['data scientist', 'data science'],
  ['product manager', 'product owner'],
  ['project manager', 'pmp'],
  ['registered nurse', 'rn:AB'],
  ['licensed practical nurse', 'lpn', 'licensed vocational nurse', 'lvn'],
  ['certified nursing assistant', 'cna'],
  ['nurse practitioner', 'np:AB'],
  ['database administrator', 'dba'],
  ['sales representative', 'sales rep'],
  ['sales manager', 'sales director', 'head of sales'],
  // One role however a posting names it: "python developer" finds the Python Engineer.
  ['developer', 'dev:AB', 'programmer', 'engineer', 'eng:AB'],
  ['manager', 'mgr'],
  // Seniorities.
  ['senior', 'sr'],
  ['junior', 'jr', 'entry level'],
];

/**
 * A search as typed, made safe and exact for websearch_to_tsquery. A word joined by "-" or "/"
 * outside quotes becomes a quoted phrase, so that "-part-time" excludes "part time" whole (the
 * normalisation splits such words: its part "-part" alone would exclude "part of our team" and
 * require "time"). A run of "-" is one: each nests websearch_to_tsquery one level deeper, and
 * past about 32 its stack overflows (an internal error, not an empty search).
 */
export function prepareSearch(search: string): string {
  return search
    .replace(/-(?:[\s-]*-)+/g, '-')
    .split('"')
    .map((part, i) => (i % 2 ? part : part.replace(/(^|[^\p{L}\p{N}])([\p{L}\p{N}]+(?:[-/][\p{L}\p{N}]+)+)/gu, '$1"$2"')))
    .join('"');
}
