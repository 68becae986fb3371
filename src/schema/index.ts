import { builder } from './builder';
import './enums';
import './connection';
import './job';
import './company';
import './query';
import './application';
import './user';
import './stats';
import './search';
import './mutations/application';
import './mutations/job';
import './mutations/import';

export const schema = builder.toSchema({ sortSchema: false });
