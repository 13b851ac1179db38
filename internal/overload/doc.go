// Package overload carries, in a request's context, the fact that part of
// the gateway refused the request's work because it was full: the profile
// store's read gate sheds a read when its queue is full or its deadline
// passes. The HTTP layer then answers the whole request 503 with
// Retry-After instead of a partial answer, so that an overloaded gateway
// never looks like a customer that does not exist.
package overload
