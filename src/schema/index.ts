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
import './subscription';
import './saved-search';
import './mutations/application';
import './mutations/job';
import './mutations/import';
import './mutations/saved-search';

export const schema = builder.toSchema({ sortSchema: false });
