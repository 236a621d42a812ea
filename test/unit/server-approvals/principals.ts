import type { Principal } from '../../../shared/api/identity.ts';

/** The dev IdP's demo people, as the server's default dev role mapping sees them. */
export const alice: Principal = { subject: 'alice', name: 'alice', groups: ['analysts'], roles: ['analyst'], approverGroups: [], machine: false };
export const bob: Principal = { subject: 'bob', name: 'bob', groups: ['db-approvers'], roles: ['approver'], approverGroups: ['db-approvers'], machine: false };
export const erin: Principal = { subject: 'erin', name: 'erin', groups: ['db-approvers'], roles: ['approver'], approverGroups: ['db-approvers'], machine: false };
export const carol: Principal = { subject: 'carol', name: 'carol', groups: ['auditors'], roles: ['auditor'], approverGroups: [], machine: false };
export const dave: Principal = { subject: 'dave', name: 'dave', groups: ['admins'], roles: ['admin'], approverGroups: [], machine: false };
/** An admin who is also an approver: still never for their own requests. */
export const frank: Principal = {
  subject: 'frank',
  name: 'frank',
  groups: ['admins', 'db-approvers', 'analysts'],
  roles: ['admin', 'approver', 'analyst'],
  approverGroups: ['db-approvers'],
  machine: false,
};
export const agent: Principal = { subject: 'gatehouse-agent', name: 'gatehouse-agent', groups: ['db-approvers'], roles: ['approver', 'analyst'], approverGroups: ['db-approvers'], machine: true };
/** In db-approvers for the connection, but an auditor too. */
export const auditingApprover: Principal = {
  subject: 'gina',
  name: 'gina',
  groups: ['auditors', 'db-approvers'],
  roles: ['approver', 'auditor'],
  approverGroups: ['db-approvers'],
  machine: false,
};
