//! `Node<T>`: the GraphQL object of a domain value `T`. Each feature
//! implements the objects of its own values beside its resolvers
//! (`Node<Item>`, the `ProgrammeItem`, in `catalogue/nodes.rs`; `Node<Ticket>`
//! in `tickets.rs`; …), and a feature whose objects link to another's names
//! only the domain type. So the schema's modules import one another in one
//! direction although its types link both ways (a ProgrammeItem lists its
//! Scans, a Scan names its Ticket, a Ticket its ProgrammeItem).

/// The GraphQL object of the domain value it wraps.
pub struct Node<T>(pub T);
