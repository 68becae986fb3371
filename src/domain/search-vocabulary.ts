/**
 * The job domain's search vocabulary: words people type that the jobs spell another way.
 * Each group is a set of equivalent terms (a word or a phrase): a search for any of them finds
 * jobs with any of them, ranked as if the job had the word searched for. A term ending in
 * `:AB` counts only in a job's title, company and skills: "go" the language, not "go above and
 * beyond" in a description.
 *
 * This is the half of the vocabulary that only changes searches. It is written to the
 * database's search_synonym table when the gateway migrates its database (syncVocabulary in
 * src/db/search-vocabulary.ts), and applied inside PostgreSQL by ts_rewrite: editing a group
 * here needs no migration and no reindexing. Technical names kept whole (c++, c#, .net,
 * node.js) and compounds spelt one way (full-stack, front end) change what is indexed, so
 * they are in the migration `search_vocabulary` (chommie_search_text). docs/SEARCH.md lists both.
 *
 * A term that is only a stop word ("it" for information technology) can never be searched
 * for: PostgreSQL drops it before the vocabulary is applied.
 */
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
  ['rest api', 'restful'],
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
  ['sales representative', 'sales rep', 'account executive'],
  ['sales manager', 'sales director', 'head of sales', 'account manager'],
  ['developer', 'dev:AB', 'programmer'],
  ['engineer', 'eng:AB'],
  ['manager', 'mgr'],
  // Seniorities.
  ['senior', 'sr'],
  ['junior', 'jr', 'entry level'],
  ['intern', 'internship', 'trainee'],
];
