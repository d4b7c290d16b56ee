// A std::deque that allocates nothing until the first push.
//
// Why: libstdc++'s std::deque allocates its map and one 512-byte node on default construction.
// SendQueue holds three of them, ~1.7 KiB for every connection, including the idle ones that
// never send (issue #7: RSS per idle connection). Once used, the deque is kept: a connection
// that sends once usually sends again, and freeing it on every drain would cost allocations on
// the hot path.
//
// Ownership/threading: owns its deque; no synchronization (like std::deque).
#ifndef CURLWS_NATIVE_LAZY_DEQUE_H_
#define CURLWS_NATIVE_LAZY_DEQUE_H_

#include <cstddef>
#include <deque>
#include <memory>
#include <utility>

namespace curlws {

template <typename T>
class LazyDeque {
 public:
  using Deque = std::deque<T>;
  using iterator = typename Deque::iterator;
  using const_iterator = typename Deque::const_iterator;

  bool empty() const { return !d_ || d_->empty(); }
  size_t size() const { return d_ ? d_->size() : 0; }
  // Precondition for front/back/pop_*: !empty(), as for std::deque.
  T& front() { return d_->front(); }
  T& back() { return d_->back(); }
  const T& front() const { return d_->front(); }
  const T& back() const { return d_->back(); }
  void pop_front() { d_->pop_front(); }
  void pop_back() { d_->pop_back(); }
  void push_back(const T& v) { Get().push_back(v); }
  void push_back(T&& v) { Get().push_back(std::move(v)); }
  // Iteration over an unused deque yields nothing (begin == end of a static empty deque).
  const_iterator begin() const { return d_ ? d_->cbegin() : Empty().cbegin(); }
  const_iterator end() const { return d_ ? d_->cend() : Empty().cend(); }

 private:
  Deque& Get() {
    if (!d_) d_ = std::make_unique<Deque>();
    return *d_;
  }
  // Never pushed to; only its (equal) begin and end iterators are used.
  static const Deque& Empty() {
    static const Deque empty;
    return empty;
  }
  std::unique_ptr<Deque> d_;
};

}  // namespace curlws

#endif  // CURLWS_NATIVE_LAZY_DEQUE_H_
