//! Column helpers: adding and dropping a table's columns one ALTER TABLE at
//! a time (SQLite changes one column per statement), and foreign keys.

use sea_orm_migration::prelude::*;

/// Adds `columns` to `table`.
pub(crate) async fn add_columns(
    manager: &SchemaManager<'_>,
    table: impl IntoTableRef + Copy,
    columns: impl IntoIterator<Item = ColumnDef>,
) -> Result<(), DbErr> {
    for column in columns {
        manager
            .alter_table(Table::alter().table(table).add_column(column).to_owned())
            .await?;
    }
    Ok(())
}

/// Drops `columns` from `table`.
pub(crate) async fn drop_columns(
    manager: &SchemaManager<'_>,
    table: impl IntoTableRef + Copy,
    columns: impl IntoIterator<Item = impl IntoIden>,
) -> Result<(), DbErr> {
    for column in columns {
        manager
            .alter_table(Table::alter().table(table).drop_column(column).to_owned())
            .await?;
    }
    Ok(())
}

/// A foreign key from `from` (table, column) to `to`; a referenced row
/// cannot be deleted while it is referenced.
pub(crate) fn reference(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Restrict)
        .take()
}
