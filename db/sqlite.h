// A thin RAII layer over the SQLite C API: a connection, prepared statements with bound
// parameters (the only way tuneup puts values into SQL), and transactions. Every failure throws
// tuneup::Error with the statement's purpose and SQLite's message.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace tuneup::sqlite {

class Statement;

class Connection {
 public:
  // Opens (creating if needed) the database file at `path`.
  explicit Connection(const std::string& path);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs SQL without parameters (schema, pragmas). `what` names it in errors.
  void Execute(std::string_view sql, std::string_view what);
  // Throws the error of the last failed call on this connection.
  [[noreturn]] void Fail(int code, std::string_view what) const;

  // Rows changed by the last INSERT/UPDATE/DELETE.
  int Changes() const;

  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

class Statement {
 public:
  Statement(Connection& connection, std::string_view sql, std::string what);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binding, 1-based as in SQLite. Text is copied by SQLite (SQLITE_TRANSIENT).
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, double value);
  Statement& BindNull(int index);
  Statement& Bind(int index, const std::optional<int64_t>& value);
  Statement& Bind(int index, const std::optional<double>& value);

  // Steps once: true when a row is available, false when done. Throws on error.
  bool Step();
  // Steps to completion (for statements that return no rows).
  void Run();
  // Resets for reuse and clears bindings.
  void Reset();

  std::string Text(int column) const;
  int64_t Int(int column) const;
  double Double(int column) const;
  bool IsNull(int column) const;
  std::optional<int64_t> OptionalInt(int column) const;
  std::optional<double> OptionalDouble(int column) const;

  const std::string& what() const { return what_; }

 private:
  Connection& connection_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string what_;
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless Commit() was called.
class Transaction {
 public:
  explicit Transaction(Connection& connection);
  ~Transaction();
  void Commit();

 private:
  Connection& connection_;
  bool done_ = false;
};

}  // namespace tuneup::sqlite
