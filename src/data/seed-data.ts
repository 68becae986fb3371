// Vocabulary of the demo seed: enough variety that search, similar jobs and trending answer
// meaningfully, small enough to read.

export const ROLES: { title: string; skills: string[]; base: number }[] = [
  { title: 'Data Scientist', skills: ['Python', 'SQL', 'Machine Learning', 'Statistics', 'Pandas', 'R'], base: 120_000 },
  { title: 'Data Engineer', skills: ['Python', 'SQL', 'Spark', 'Airflow', 'Kafka', 'AWS'], base: 125_000 },
  { title: 'Data Analyst', skills: ['SQL', 'Excel', 'Tableau', 'Power BI', 'Statistics'], base: 80_000 },
  { title: 'Machine Learning Engineer', skills: ['Python', 'PyTorch', 'TensorFlow', 'Kubernetes', 'MLOps'], base: 145_000 },
  { title: 'Backend Engineer', skills: ['Go', 'PostgreSQL', 'Docker', 'Kubernetes', 'gRPC'], base: 130_000 },
  { title: 'Frontend Engineer', skills: ['TypeScript', 'React', 'CSS', 'GraphQL', 'Accessibility'], base: 115_000 },
  { title: 'Full Stack Developer', skills: ['TypeScript', 'Node.js', 'React', 'PostgreSQL', 'GraphQL'], base: 118_000 },
  { title: 'DevOps Engineer', skills: ['Terraform', 'AWS', 'Kubernetes', 'Linux', 'CI/CD'], base: 128_000 },
  { title: 'Site Reliability Engineer', skills: ['Linux', 'Prometheus', 'Kubernetes', 'Go', 'Incident Response'], base: 140_000 },
  { title: 'Security Engineer', skills: ['Penetration Testing', 'SIEM', 'Cloud Security', 'Python'], base: 135_000 },
  { title: 'Mobile Developer', skills: ['Swift', 'Kotlin', 'React Native', 'iOS', 'Android'], base: 120_000 },
  { title: 'Product Manager', skills: ['Roadmapping', 'User Research', 'Agile', 'Analytics'], base: 130_000 },
  { title: 'UX Designer', skills: ['Figma', 'User Research', 'Prototyping', 'Accessibility'], base: 100_000 },
  { title: 'QA Engineer', skills: ['Selenium', 'Cypress', 'Test Automation', 'Java'], base: 90_000 },
  { title: 'Business Intelligence Developer', skills: ['SQL', 'Power BI', 'ETL', 'Data Warehousing'], base: 105_000 },
  { title: 'Cloud Architect', skills: ['AWS', 'Azure', 'GCP', 'Terraform', 'Networking'], base: 165_000 },
  { title: 'Database Administrator', skills: ['PostgreSQL', 'Oracle', 'Backup', 'Performance Tuning'], base: 110_000 },
  { title: 'Technical Writer', skills: ['Documentation', 'Markdown', 'API Design'], base: 85_000 },
  { title: 'Customer Success Manager', skills: ['CRM', 'Salesforce', 'Communication'], base: 75_000 },
  { title: 'Registered Nurse', skills: ['Patient Care', 'EMR', 'BLS Certification'], base: 82_000 },
  { title: 'Accountant', skills: ['GAAP', 'Excel', 'QuickBooks', 'Auditing'], base: 70_000 },
  { title: 'Sales Representative', skills: ['Negotiation', 'CRM', 'Salesforce', 'Prospecting'], base: 65_000 },
];

// Each level's title word, and its share of the postings (out of 100): interns are a few per
// cent of a real job board, and every intern posting is an internship (see seed.ts).
export const LEVELS = [
  { prefix: 'Intern', level: 'INTERN', factor: 0.35, weight: 6 },
  { prefix: 'Junior', level: 'ENTRY', factor: 0.7, weight: 18 },
  { prefix: '', level: 'MID', factor: 1, weight: 32 },
  { prefix: 'Senior', level: 'SENIOR', factor: 1.3, weight: 24 },
  { prefix: 'Lead', level: 'LEAD', factor: 1.5, weight: 12 },
  { prefix: 'Principal', level: 'EXECUTIVE', factor: 1.8, weight: 8 },
] as const;

export const LOCATIONS: { city: string; state: string }[] = [
  { city: 'San Francisco', state: 'CA' },
  { city: 'Los Angeles', state: 'CA' },
  { city: 'San Diego', state: 'CA' },
  { city: 'New York', state: 'NY' },
  { city: 'Brooklyn', state: 'NY' },
  { city: 'Austin', state: 'TX' },
  { city: 'Dallas', state: 'TX' },
  { city: 'Houston', state: 'TX' },
  { city: 'Seattle', state: 'WA' },
  { city: 'Boston', state: 'MA' },
  { city: 'Chicago', state: 'IL' },
  { city: 'Denver', state: 'CO' },
  { city: 'Atlanta', state: 'GA' },
  { city: 'Washington', state: 'DC' },
  { city: 'Portland', state: 'OR' },
  { city: 'Miami', state: 'FL' },
  { city: 'Phoenix', state: 'AZ' },
  { city: 'Minneapolis', state: 'MN' },
  { city: 'Raleigh', state: 'NC' },
  { city: 'Pittsburgh', state: 'PA' },
];

export const INDUSTRIES = [
  'Information Technology',
  'Finance',
  'Health Care',
  'Retail',
  'Manufacturing',
  'Education',
  'Media',
  'Energy',
  'Transportation',
  'Government',
  'Biotech',
  'Insurance',
];

export const NAME_PARTS = {
  first: [
    'Blue',
    'North',
    'Bright',
    'Quantum',
    'Silver',
    'Green',
    'Iron',
    'Cedar',
    'Summit',
    'Harbor',
    'Atlas',
    'Nova',
    'Pioneer',
    'Granite',
    'Crimson',
    'Orbit',
    'Lumen',
    'Vertex',
    'Maple',
    'Falcon',
  ],
  second: ['Labs', 'Analytics', 'Health', 'Systems', 'Capital', 'Logistics', 'Media', 'Energy', 'Robotics', 'Bank', 'Foods', 'Networks'],
};

export const SENTENCES = [
  'You will work with {skill} and {skill2} every day to ship features our customers love.',
  'We are looking for someone with strong {skill} experience who enjoys mentoring others.',
  'Our team builds {skill} pipelines that process millions of events per day.',
  'Experience with {skill} is required; {skill2} is a plus.',
  'You will collaborate with product, design and engineering to improve {skill} practices.',
  'The role involves designing, testing and operating systems built on {skill}.',
  'We value clear communication, ownership and a habit of measuring results.',
  'Benefits include health insurance, a 401(k) match, and a learning budget.',
  'This position offers flexible hours and a hybrid schedule.',
  'Help us grow a diverse team that cares about quality and customers.',
];

export const USER_NAMES = [
  'Alex',
  'Sam',
  'Jordan',
  'Taylor',
  'Morgan',
  'Casey',
  'Riley',
  'Jamie',
  'Avery',
  'Quinn',
  'Drew',
  'Reese',
  'Skyler',
  'Parker',
  'Rowan',
  'Emerson',
];
