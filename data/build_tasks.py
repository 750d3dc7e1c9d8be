"""Readable source of data/tasks.jsonl, the task set we ship.

Each task is a small, deterministic Python program (standard library only, no I/O, no randomness)
with example inputs that exercise its branches and edge cases. Run

    python3 data/build_tasks.py            # rewrite data/tasks.jsonl
    python3 data/build_tasks.py --check    # also run every example here and report failures

The committed data/tasks.jsonl is the canonical file; this script is how it is written.
"""

import json
import sys
import textwrap
import time
from pathlib import Path

TASKS = []


def task(slug, entry, description, source, *inputs):
    TASKS.append(
        {
            "slug": slug,
            "entry": entry,
            "description": description,
            "source": textwrap.dedent(source).strip() + "\n",
            "inputs": list(inputs),
        }
    )


# ---------------------------------------------------------------- strings

task(
    "run-length-encode",
    "rle_encode",
    "Encode a string with run-length encoding: each run of a character becomes the character followed by the run length.",
    """
    def rle_encode(s):
        if not s:
            return ""
        out = []
        current = s[0]
        count = 1
        for ch in s[1:]:
            if ch == current:
                count += 1
            else:
                out.append(current + str(count))
                current = ch
                count = 1
        out.append(current + str(count))
        return "".join(out)
    """,
    {"s": "aaabccdddd"},
    {"s": ""},
    {"s": "abc"},
    {"s": "zzzzzzzzzzzz"},
)

task(
    "run-length-decode",
    "rle_decode",
    "Decode a run-length encoded string where each character is followed by a decimal count (possibly several digits).",
    """
    def rle_decode(s):
        out = []
        i = 0
        while i < len(s):
            ch = s[i]
            i += 1
            digits = ""
            while i < len(s) and s[i].isdigit():
                digits += s[i]
                i += 1
            out.append(ch * (int(digits) if digits else 1))
        return "".join(out)
    """,
    {"s": "a3b1c2"},
    {"s": ""},
    {"s": "x12y"},
    {"s": "abc"},
)

task(
    "balanced-brackets",
    "is_balanced",
    "Return True when every bracket ()[]{} in the text is closed in the right order; other characters are ignored.",
    """
    def is_balanced(text):
        pairs = {")": "(", "]": "[", "}": "{"}
        stack = []
        for ch in text:
            if ch in "([{":
                stack.append(ch)
            elif ch in pairs:
                if not stack or stack[-1] != pairs[ch]:
                    return False
                stack.pop()
        return not stack
    """,
    {"text": "{[()]}[]"},
    {"text": "([)]"},
    {"text": ""},
    {"text": "(((a + b) * c)"},
    {"text": "}"},
)

task(
    "caesar-cipher",
    "caesar",
    "Shift every ASCII letter of the text by `shift` places in the alphabet, wrapping around and keeping case; other characters stay.",
    """
    def caesar(text, shift):
        out = []
        for ch in text:
            if "a" <= ch <= "z":
                out.append(chr((ord(ch) - 97 + shift) % 26 + 97))
            elif "A" <= ch <= "Z":
                out.append(chr((ord(ch) - 65 + shift) % 26 + 65))
            else:
                out.append(ch)
        return "".join(out)
    """,
    {"text": "Hello, World!", "shift": 3},
    {"text": "xyz", "shift": 2},
    {"text": "abc", "shift": -1},
    {"text": "", "shift": 10},
    {"text": "Zebra", "shift": 52},
)

task(
    "word-frequencies",
    "word_frequencies",
    "Count how often each word occurs in the text, case-insensitively, ignoring punctuation at word edges; return a dict in first-seen order.",
    """
    def word_frequencies(text):
        counts = {}
        for raw in text.split():
            word = raw.strip(".,;:!?\\"'()").lower()
            if not word:
                continue
            counts[word] = counts.get(word, 0) + 1
        return counts
    """,
    {"text": "The cat and the hat. The end!"},
    {"text": ""},
    {"text": "-- ... !!"},
    {"text": "Go, go, GO!"},
)

task(
    "longest-common-prefix",
    "longest_common_prefix",
    "Return the longest string that is a prefix of every word in the list (empty for an empty list).",
    """
    def longest_common_prefix(words):
        if not words:
            return ""
        prefix = words[0]
        for word in words[1:]:
            while not word.startswith(prefix):
                prefix = prefix[:-1]
                if not prefix:
                    return ""
        return prefix
    """,
    {"words": ["flower", "flow", "flight"]},
    {"words": []},
    {"words": ["dog", "racecar", "car"]},
    {"words": ["same", "same"]},
    {"words": ["abc"]},
)

task(
    "anagram-groups",
    "group_anagrams",
    "Group words that are anagrams of each other; each group keeps input order and groups are ordered by their first word's position.",
    """
    def group_anagrams(words):
        groups = {}
        for word in words:
            key = "".join(sorted(word))
            groups.setdefault(key, []).append(word)
        return list(groups.values())
    """,
    {"words": ["eat", "tea", "tan", "ate", "nat", "bat"]},
    {"words": []},
    {"words": ["", ""]},
    {"words": ["abc", "cab", "bca", "xyz"]},
)

task(
    "clean-palindrome",
    "is_clean_palindrome",
    "Return True when the string reads the same backwards after dropping non-alphanumeric characters and ignoring case.",
    """
    def is_clean_palindrome(s):
        cleaned = [ch.lower() for ch in s if ch.isalnum()]
        left, right = 0, len(cleaned) - 1
        while left < right:
            if cleaned[left] != cleaned[right]:
                return False
            left += 1
            right -= 1
        return True
    """,
    {"s": "A man, a plan, a canal: Panama"},
    {"s": "race a car"},
    {"s": ""},
    {"s": "!!"},
    {"s": "ab"},
)

task(
    "reverse-words",
    "reverse_words",
    "Reverse the order of the words in a sentence, collapsing runs of whitespace to single spaces.",
    """
    def reverse_words(sentence):
        words = sentence.split()
        words.reverse()
        return " ".join(words)
    """,
    {"sentence": "the sky is blue"},
    {"sentence": "  hello   world  "},
    {"sentence": ""},
    {"sentence": "one"},
)

task(
    "title-case",
    "title_case",
    "Capitalise each word of a title except the small words (a, an, the, of, and, in, on), which stay lower case unless they come first or last.",
    """
    def title_case(title):
        small = {"a", "an", "the", "of", "and", "in", "on"}
        words = title.lower().split()
        out = []
        for i, word in enumerate(words):
            if 0 < i < len(words) - 1 and word in small:
                out.append(word)
            else:
                out.append(word[:1].upper() + word[1:])
        return " ".join(out)
    """,
    {"title": "the lord of the rings"},
    {"title": "OF MICE AND MEN"},
    {"title": ""},
    {"title": "a tale of the city of the"},
)

task(
    "count-vowels",
    "count_vowels",
    "Count vowels (a, e, i, o, u, either case) in a string; 'y' counts as a vowel only when it is the last letter of a word.",
    """
    def count_vowels(s):
        total = 0
        for i, ch in enumerate(s):
            low = ch.lower()
            if low in "aeiou":
                total += 1
            elif low == "y":
                nxt = s[i + 1] if i + 1 < len(s) else " "
                if not nxt.isalpha():
                    total += 1
        return total
    """,
    {"s": "Happy day, yes"},
    {"s": ""},
    {"s": "rhythm"},
    {"s": "AEIOU y"},
)

task(
    "camel-to-snake",
    "camel_to_snake",
    "Convert a camelCase or PascalCase identifier to snake_case; a run of capitals such as 'HTTP' stays one word.",
    """
    def camel_to_snake(name):
        out = []
        for i, ch in enumerate(name):
            if ch.isupper():
                prev_lower = i > 0 and (name[i - 1].islower() or name[i - 1].isdigit())
                next_lower = i + 1 < len(name) and name[i + 1].islower()
                prev_upper = i > 0 and name[i - 1].isupper()
                if i > 0 and (prev_lower or (prev_upper and next_lower)):
                    out.append("_")
                out.append(ch.lower())
            else:
                out.append(ch)
        return "".join(out)
    """,
    {"name": "parseHTTPResponse"},
    {"name": "SimpleName"},
    {"name": ""},
    {"name": "already_snake"},
    {"name": "version2Update"},
)

task(
    "snake-to-camel",
    "snake_to_camel",
    "Convert a snake_case identifier to camelCase, dropping empty parts from repeated or edge underscores.",
    """
    def snake_to_camel(name):
        parts = [p for p in name.split("_") if p]
        if not parts:
            return ""
        head = parts[0].lower()
        return head + "".join(p[:1].upper() + p[1:].lower() for p in parts[1:])
    """,
    {"name": "hello_big_world"},
    {"name": "__private__name"},
    {"name": "___"},
    {"name": "single"},
)

task(
    "parse-key-values",
    "parse_kv",
    "Parse a 'key=value;key=value' string into a dict: keys and values are stripped, integer values become ints, segments without '=' are ignored and later keys win.",
    """
    def parse_kv(text):
        result = {}
        for segment in text.split(";"):
            if "=" not in segment:
                continue
            key, value = segment.split("=", 1)
            key = key.strip()
            value = value.strip()
            if not key:
                continue
            if value.lstrip("-").isdigit() and value not in ("-", ""):
                result[key] = int(value)
            else:
                result[key] = value
        return result
    """,
    {"text": "a=1; b = two ;c=-3"},
    {"text": ""},
    {"text": "noequals;x=;=5;y=a=b"},
    {"text": "k=1;k=2"},
)

task(
    "parse-csv-line",
    "parse_csv_line",
    "Split one CSV line into fields: commas separate fields, double quotes wrap fields that may contain commas, and a doubled quote inside quotes is a literal quote.",
    """
    def parse_csv_line(line):
        fields = []
        field = []
        in_quotes = False
        i = 0
        while i < len(line):
            ch = line[i]
            if in_quotes:
                if ch == '"' and i + 1 < len(line) and line[i + 1] == '"':
                    field.append('"')
                    i += 1
                elif ch == '"':
                    in_quotes = False
                else:
                    field.append(ch)
            elif ch == '"':
                in_quotes = True
            elif ch == ",":
                fields.append("".join(field))
                field = []
            else:
                field.append(ch)
            i += 1
        fields.append("".join(field))
        return fields
    """,
    {"line": 'a,"b,c",d'},
    {"line": ""},
    {"line": '"say ""hi""",x,'},
    {"line": "1,2,3"},
)

task(
    "valid-date",
    "is_valid_date",
    "Check that a string is a real calendar date in the form YYYY-MM-DD (Gregorian leap years; years 0001-9999).",
    """
    def is_valid_date(s):
        if len(s) != 10 or s[4] != "-" or s[7] != "-":
            return False
        y, m, d = s[:4], s[5:7], s[8:]
        if not (y.isdigit() and m.isdigit() and d.isdigit()):
            return False
        year, month, day = int(y), int(m), int(d)
        if year < 1 or not 1 <= month <= 12 or day < 1:
            return False
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= days[month - 1]
    """,
    {"s": "2024-02-29"},
    {"s": "1900-02-29"},
    {"s": "2000-02-29"},
    {"s": "2023-13-01"},
    {"s": "2023-4-01"},
    {"s": "0000-01-01"},
)

task(
    "time-to-seconds",
    "time_to_seconds",
    "Convert 'H:MM:SS' or 'MM:SS' to a number of seconds; return -1 when a part is not a number or minutes/seconds are 60 or more.",
    """
    def time_to_seconds(text):
        parts = text.split(":")
        if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
            return -1
        values = [int(p) for p in parts]
        if len(values) == 2:
            values.insert(0, 0)
        hours, minutes, seconds = values
        if minutes >= 60 or seconds >= 60:
            return -1
        return hours * 3600 + minutes * 60 + seconds
    """,
    {"text": "1:02:03"},
    {"text": "59:59"},
    {"text": "00:60"},
    {"text": "12"},
    {"text": "a:10"},
    {"text": "100:00:00"},
)

task(
    "valid-ipv4",
    "is_valid_ipv4",
    "Return True for a dotted-quad IPv4 address: four decimal parts 0-255, no leading zeros except '0' itself.",
    """
    def is_valid_ipv4(address):
        parts = address.split(".")
        if len(parts) != 4:
            return False
        for part in parts:
            if not part.isdigit() or not part.isascii():
                return False
            if len(part) > 1 and part[0] == "0":
                return False
            if int(part) > 255:
                return False
        return True
    """,
    {"address": "192.168.0.1"},
    {"address": "256.1.1.1"},
    {"address": "01.2.3.4"},
    {"address": "1.2.3"},
    {"address": "0.0.0.0"},
)

task(
    "wildcard-match",
    "wildcard_match",
    "Match text against a pattern where '?' matches any one character and '*' matches any run (including empty); the whole text must match.",
    """
    def wildcard_match(pattern, text):
        p = t = 0
        star = -1
        mark = 0
        while t < len(text):
            if p < len(pattern) and pattern[p] in ("?", text[t]):
                p += 1
                t += 1
            elif p < len(pattern) and pattern[p] == "*":
                star = p
                mark = t
                p += 1
            elif star != -1:
                p = star + 1
                mark += 1
                t = mark
            else:
                return False
        while p < len(pattern) and pattern[p] == "*":
            p += 1
        return p == len(pattern)
    """,
    {"pattern": "a*b?d", "text": "axxbcd"},
    {"pattern": "*", "text": ""},
    {"pattern": "?", "text": ""},
    {"pattern": "a*c", "text": "abcbd"},
    {"pattern": "**x", "text": "yyx"},
)

task(
    "char-histogram",
    "char_histogram",
    "Draw a text histogram of letter counts: one line per distinct letter (lower-cased, alphabetical), the letter, a colon and that many '#'.",
    """
    def char_histogram(text):
        counts = {}
        for ch in text.lower():
            if ch.isalpha():
                counts[ch] = counts.get(ch, 0) + 1
        lines = [f"{ch}:{'#' * counts[ch]}" for ch in sorted(counts)]
        return "\\n".join(lines)
    """,
    {"text": "Hello"},
    {"text": ""},
    {"text": "1234 !!"},
    {"text": "bBaA"},
)

task(
    "compress-ranges",
    "compress_ranges",
    "Describe a list of integers as comma-separated ranges after sorting and removing duplicates: runs of 3 or more consecutive numbers become 'a-b'.",
    """
    def compress_ranges(nums):
        values = sorted(set(nums))
        out = []
        i = 0
        while i < len(values):
            j = i
            while j + 1 < len(values) and values[j + 1] == values[j] + 1:
                j += 1
            if j - i >= 2:
                out.append(f"{values[i]}-{values[j]}")
            else:
                out.extend(str(v) for v in values[i:j + 1])
            i = j + 1
        return ",".join(out)
    """,
    {"nums": [1, 2, 3, 5, 7, 8, 9, 10]},
    {"nums": []},
    {"nums": [4, 5]},
    {"nums": [-3, -2, -1, 0, 2, 2, 2]},
)

task(
    "expand-ranges",
    "expand_ranges",
    "Expand a description such as '1-3,5,8-6' into the list of integers it names; a descending range counts down and blank parts are ignored.",
    """
    def expand_ranges(text):
        result = []
        for part in text.split(","):
            part = part.strip()
            if not part:
                continue
            if "-" in part[1:]:
                cut = part.index("-", 1)
                start, end = int(part[:cut]), int(part[cut + 1:])
                step = 1 if end >= start else -1
                result.extend(range(start, end + step, step))
            else:
                result.append(int(part))
        return result
    """,
    {"text": "1-3,5"},
    {"text": "8-6, 10"},
    {"text": ""},
    {"text": "-2-1,,7"},
)

# ---------------------------------------------------------------- numbers and bits

task(
    "to-roman",
    "to_roman",
    "Write a positive integer below 4000 in Roman numerals; return an empty string for numbers outside 1..3999.",
    """
    def to_roman(n):
        if n < 1 or n > 3999:
            return ""
        table = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                 (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
        out = []
        for value, symbol in table:
            while n >= value:
                out.append(symbol)
                n -= value
        return "".join(out)
    """,
    {"n": 1994},
    {"n": 4},
    {"n": 0},
    {"n": 3999},
    {"n": -5},
)

task(
    "from-roman",
    "from_roman",
    "Read a Roman numeral (upper or lower case) and return its value, using subtraction when a smaller symbol precedes a larger one; 0 for an empty string.",
    """
    def from_roman(numeral):
        values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
        total = 0
        prev = 0
        for ch in reversed(numeral.upper()):
            value = values[ch]
            if value < prev:
                total -= value
            else:
                total += value
                prev = value
        return total
    """,
    {"numeral": "MCMXCIV"},
    {"numeral": "iv"},
    {"numeral": ""},
    {"numeral": "MMMDCCCLXXXVIII"},
)

task(
    "gcd-lcm",
    "gcd_lcm",
    "Return the pair (gcd, lcm) of two integers with Euclid's algorithm; both are non-negative and lcm is 0 when either number is 0.",
    """
    def gcd_lcm(a, b):
        x, y = abs(a), abs(b)
        while y:
            x, y = y, x % y
        if x == 0:
            return (0, 0)
        return (x, abs(a * b) // x)
    """,
    {"a": 12, "b": 18},
    {"a": 0, "b": 5},
    {"a": 0, "b": 0},
    {"a": -4, "b": 6},
    {"a": 17, "b": 13},
)

task(
    "collatz-steps",
    "collatz_steps",
    "Count the Collatz steps (halve when even, 3n+1 when odd) needed to reach 1; return -1 for numbers below 1.",
    """
    def collatz_steps(n):
        if n < 1:
            return -1
        steps = 0
        while n != 1:
            n = n // 2 if n % 2 == 0 else 3 * n + 1
            steps += 1
        return steps
    """,
    {"n": 27},
    {"n": 1},
    {"n": 0},
    {"n": 16},
)

task(
    "prime-sieve",
    "primes_up_to",
    "List every prime number less than or equal to n with the sieve of Eratosthenes.",
    """
    def primes_up_to(n):
        if n < 2:
            return []
        is_prime = [True] * (n + 1)
        is_prime[0] = is_prime[1] = False
        p = 2
        while p * p <= n:
            if is_prime[p]:
                for multiple in range(p * p, n + 1, p):
                    is_prime[multiple] = False
            p += 1
        return [i for i, flag in enumerate(is_prime) if flag]
    """,
    {"n": 30},
    {"n": 2},
    {"n": 1},
    {"n": -7},
    {"n": 97},
)

task(
    "fibonacci",
    "fibonacci",
    "Return the n-th Fibonacci number with fib(0) = 0 and fib(1) = 1; negative n follows fib(-n) = (-1)**(n+1) * fib(n).",
    """
    def fibonacci(n):
        a, b = 0, 1
        for _ in range(abs(n)):
            a, b = b, a + b
        if n < 0 and n % 2 == 0:
            return -a
        return a
    """,
    {"n": 10},
    {"n": 0},
    {"n": 1},
    {"n": -6},
    {"n": -7},
    {"n": 90},
)

task(
    "digit-sum",
    "digit_sum",
    "Sum the decimal digits of an integer recursively; the sign is ignored.",
    """
    def digit_sum(n):
        n = abs(n)
        if n < 10:
            return n
        return n % 10 + digit_sum(n // 10)
    """,
    {"n": 12345},
    {"n": 0},
    {"n": -909},
    {"n": 7},
)

task(
    "digital-root",
    "digital_root",
    "Repeatedly sum the digits of a non-negative integer until one digit remains; negative numbers give the negated root of their absolute value.",
    """
    def digital_root(n):
        sign = -1 if n < 0 else 1
        n = abs(n)
        while n >= 10:
            total = 0
            while n:
                total += n % 10
                n //= 10
            n = total
        return sign * n
    """,
    {"n": 493193},
    {"n": 0},
    {"n": 9},
    {"n": -38},
)

task(
    "armstrong-number",
    "is_armstrong",
    "Return True when a non-negative integer equals the sum of its digits each raised to the number of digits (e.g. 153).",
    """
    def is_armstrong(n):
        if n < 0:
            return False
        digits = [int(d) for d in str(n)]
        power = len(digits)
        return sum(d ** power for d in digits) == n
    """,
    {"n": 153},
    {"n": 154},
    {"n": 0},
    {"n": 9474},
    {"n": -153},
)

task(
    "int-to-base",
    "to_base",
    "Write an integer in a base from 2 to 36 using digits 0-9 then lower-case letters, with a leading '-' for negatives; return '' for a bad base.",
    """
    def to_base(n, base):
        if base < 2 or base > 36:
            return ""
        if n == 0:
            return "0"
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"
        sign = "-" if n < 0 else ""
        n = abs(n)
        out = []
        while n:
            n, r = divmod(n, base)
            out.append(digits[r])
        return sign + "".join(reversed(out))
    """,
    {"n": 255, "base": 16},
    {"n": 0, "base": 2},
    {"n": -10, "base": 2},
    {"n": 35, "base": 36},
    {"n": 5, "base": 1},
)

task(
    "count-set-bits",
    "count_set_bits",
    "Count the 1 bits of an integer with Kernighan's trick; for a negative number count the bits of its 32-bit two's complement.",
    """
    def count_set_bits(n):
        if n < 0:
            n &= 0xFFFFFFFF
        count = 0
        while n:
            n &= n - 1
            count += 1
        return count
    """,
    {"n": 11},
    {"n": 0},
    {"n": -1},
    {"n": 1 << 40},
    {"n": 255},
)

task(
    "parity",
    "parity",
    "Return 1 when a non-negative integer has an odd number of 1 bits, else 0, by folding the bits with xor.",
    """
    def parity(n):
        result = 0
        while n > 0:
            result ^= n & 1
            n >>= 1
        return result
    """,
    {"n": 7},
    {"n": 0},
    {"n": 6},
    {"n": 1023},
)

task(
    "power-of-two",
    "is_power_of_two",
    "Return True when n is a positive power of two, using the n & (n - 1) bit trick.",
    """
    def is_power_of_two(n):
        return n > 0 and n & (n - 1) == 0
    """,
    {"n": 1},
    {"n": 0},
    {"n": 64},
    {"n": 96},
    {"n": -8},
)

task(
    "binary-gap",
    "binary_gap",
    "Return the length of the longest run of 0 bits enclosed by 1 bits in the binary form of a positive integer (0 when none).",
    """
    def binary_gap(n):
        best = 0
        current = 0
        seen_one = False
        while n > 0:
            if n & 1:
                if seen_one:
                    best = max(best, current)
                seen_one = True
                current = 0
            else:
                current += 1
            n >>= 1
        return best
    """,
    {"n": 529},
    {"n": 20},
    {"n": 15},
    {"n": 0},
    {"n": 1041},
)

task(
    "reverse-bits",
    "reverse_bits",
    "Reverse the lowest `width` bits of n (higher bits are dropped) and return the resulting number.",
    """
    def reverse_bits(n, width):
        result = 0
        for _ in range(width):
            result = (result << 1) | (n & 1)
            n >>= 1
        return result
    """,
    {"n": 1, "width": 8},
    {"n": 0b1011, "width": 4},
    {"n": 255, "width": 0},
    {"n": 6, "width": 3},
)

task(
    "gray-code",
    "gray_code",
    "List the n-bit reflected Gray code sequence as integers, starting at 0 (just [0] for n = 0).",
    """
    def gray_code(n):
        if n <= 0:
            return [0]
        return [i ^ (i >> 1) for i in range(1 << n)]
    """,
    {"n": 3},
    {"n": 0},
    {"n": 1},
    {"n": -2},
)

task(
    "hamming-distance",
    "hamming_distance",
    "Count the bit positions at which two non-negative integers differ.",
    """
    def hamming_distance(a, b):
        diff = a ^ b
        count = 0
        while diff:
            count += diff & 1
            diff >>= 1
        return count
    """,
    {"a": 1, "b": 4},
    {"a": 0, "b": 0},
    {"a": 255, "b": 0},
    {"a": 12345, "b": 54321},
)

task(
    "single-number",
    "single_number",
    "Every number in the list appears twice except one; find it by xor-ing everything (0 for an empty list).",
    """
    def single_number(nums):
        result = 0
        for n in nums:
            result ^= n
        return result
    """,
    {"nums": [4, 1, 2, 1, 2]},
    {"nums": [7]},
    {"nums": []},
    {"nums": [-3, 5, 5]},
)

task(
    "pascal-row",
    "pascal_row",
    "Return row n (0-based) of Pascal's triangle; an empty list for negative n.",
    """
    def pascal_row(n):
        if n < 0:
            return []
        row = [1]
        for k in range(n):
            row.append(row[k] * (n - k) // (k + 1))
        return row
    """,
    {"n": 4},
    {"n": 0},
    {"n": -1},
    {"n": 10},
)

# ---------------------------------------------------------------- lists, searching, sorting

task(
    "binary-search",
    "binary_search",
    "Find the index of target in a sorted list with binary search; return the leftmost index when it occurs several times and -1 when absent.",
    """
    def binary_search(items, target):
        lo, hi = 0, len(items)
        while lo < hi:
            mid = (lo + hi) // 2
            if items[mid] < target:
                lo = mid + 1
            else:
                hi = mid
        if lo < len(items) and items[lo] == target:
            return lo
        return -1
    """,
    {"items": [1, 3, 5, 7, 9], "target": 7},
    {"items": [], "target": 1},
    {"items": [2, 2, 2, 3], "target": 2},
    {"items": [1, 3, 5], "target": 4},
    {"items": [1, 3, 5], "target": 10},
)

task(
    "merge-intervals",
    "merge_intervals",
    "Merge overlapping or touching closed intervals [start, end] and return them sorted by start.",
    """
    def merge_intervals(intervals):
        merged = []
        for start, end in sorted(intervals):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        return merged
    """,
    {"intervals": [[1, 3], [2, 6], [8, 10], [15, 18]]},
    {"intervals": []},
    {"intervals": [[1, 4], [4, 5]]},
    {"intervals": [[5, 7], [1, 10], [-2, 0]]},
)

task(
    "insertion-sort",
    "insertion_sort",
    "Sort a list of numbers ascending with insertion sort and return a new list.",
    """
    def insertion_sort(items):
        result = list(items)
        for i in range(1, len(result)):
            key = result[i]
            j = i - 1
            while j >= 0 and result[j] > key:
                result[j + 1] = result[j]
                j -= 1
            result[j + 1] = key
        return result
    """,
    {"items": [5, 2, 9, 1, 5, 6]},
    {"items": []},
    {"items": [3, -1, -1, 0]},
    {"items": [1, 2, 3]},
)

task(
    "merge-sort",
    "merge_sort",
    "Sort a list with a recursive merge sort that is stable: pairs (key, tag) compare only by key.",
    """
    def merge_sort(pairs):
        if len(pairs) <= 1:
            return list(pairs)
        mid = len(pairs) // 2
        left = merge_sort(pairs[:mid])
        right = merge_sort(pairs[mid:])
        out = []
        i = j = 0
        while i < len(left) and j < len(right):
            if right[j][0] < left[i][0]:
                out.append(right[j])
                j += 1
            else:
                out.append(left[i])
                i += 1
        return out + left[i:] + right[j:]
    """,
    {"pairs": [(3, "a"), (1, "b"), (3, "c"), (2, "d")]},
    {"pairs": []},
    {"pairs": [(1, "x")]},
    {"pairs": [(5, "p"), (5, "q"), (-1, "r")]},
)

task(
    "kth-smallest",
    "kth_smallest",
    "Return the k-th smallest element (1-based) of a list by partitioning recursively; None when k is out of range.",
    """
    def kth_smallest(items, k):
        if k < 1 or k > len(items):
            return None
        pivot = items[len(items) // 2]
        lower = [x for x in items if x < pivot]
        equal = [x for x in items if x == pivot]
        if k <= len(lower):
            return kth_smallest(lower, k)
        if k <= len(lower) + len(equal):
            return pivot
        higher = [x for x in items if x > pivot]
        return kth_smallest(higher, k - len(lower) - len(equal))
    """,
    {"items": [7, 10, 4, 3, 20, 15], "k": 3},
    {"items": [], "k": 1},
    {"items": [5, 5, 5], "k": 2},
    {"items": [1, 2], "k": 0},
    {"items": [9, -2, 4], "k": 3},
)

task(
    "two-sum",
    "two_sum",
    "Return the indices [i, j] (i < j) of the first pair, in scan order, whose values add up to target, or [] when there is none.",
    """
    def two_sum(nums, target):
        seen = {}
        for j, value in enumerate(nums):
            need = target - value
            if need in seen:
                return [seen[need], j]
            if value not in seen:
                seen[value] = j
        return []
    """,
    {"nums": [2, 7, 11, 15], "target": 9},
    {"nums": [3, 3], "target": 6},
    {"nums": [], "target": 0},
    {"nums": [1, 2, 3], "target": 7},
    {"nums": [-1, 4, 5, -4], "target": 0},
)

task(
    "max-subarray",
    "max_subarray_sum",
    "Return the largest sum of a contiguous, possibly empty, slice of the list (Kadane's algorithm), so the answer is never negative.",
    """
    def max_subarray_sum(nums):
        best = 0
        current = 0
        for n in nums:
            current = max(0, current + n)
            best = max(best, current)
        return best
    """,
    {"nums": [-2, 1, -3, 4, -1, 2, 1, -5, 4]},
    {"nums": []},
    {"nums": [-3, -1]},
    {"nums": [5]},
)

task(
    "rotate-list",
    "rotate_list",
    "Rotate a list k places to the right (negative k rotates left); k may exceed the length.",
    """
    def rotate_list(items, k):
        if not items:
            return []
        k %= len(items)
        return items[-k:] + items[:-k] if k else list(items)
    """,
    {"items": [1, 2, 3, 4, 5], "k": 2},
    {"items": [], "k": 3},
    {"items": [1, 2, 3], "k": -1},
    {"items": [1, 2, 3], "k": 7},
    {"items": ["a"], "k": 0},
)

task(
    "chunk-list",
    "chunk",
    "Split a list into consecutive chunks of the given size (the last may be shorter); a size below 1 gives [].",
    """
    def chunk(items, size):
        if size < 1:
            return []
        return [items[i:i + size] for i in range(0, len(items), size)]
    """,
    {"items": [1, 2, 3, 4, 5], "size": 2},
    {"items": [], "size": 3},
    {"items": [1, 2], "size": 0},
    {"items": [1, 2, 3], "size": 5},
)

task(
    "dedupe-keep-order",
    "dedupe",
    "Remove duplicates from a list, keeping the first occurrence of each value and the original order.",
    """
    def dedupe(items):
        seen = set()
        out = []
        for item in items:
            if item not in seen:
                seen.add(item)
                out.append(item)
        return out
    """,
    {"items": [3, 1, 3, 2, 1]},
    {"items": []},
    {"items": ["a", "A", "a"]},
    {"items": [True, 1, 0, False]},
)

task(
    "second-largest",
    "second_largest",
    "Return the second largest distinct value of the list, or None when there are fewer than two distinct values.",
    """
    def second_largest(nums):
        first = second = None
        for n in nums:
            if first is None or n > first:
                if first is not None:
                    second = first
                first = n
            elif n != first and (second is None or n > second):
                second = n
        return second
    """,
    {"nums": [4, 1, 7, 7, 3]},
    {"nums": []},
    {"nums": [5, 5]},
    {"nums": [-1, -5, -3]},
)

task(
    "moving-average",
    "moving_average",
    "Return the averages of each full window of `window` consecutive numbers, rounded to 3 decimals; [] when the window is not positive or too large.",
    """
    def moving_average(nums, window):
        if window <= 0 or window > len(nums):
            return []
        total = sum(nums[:window])
        out = [round(total / window, 3)]
        for i in range(window, len(nums)):
            total += nums[i] - nums[i - window]
            out.append(round(total / window, 3))
        return out
    """,
    {"nums": [1, 2, 3, 4, 5], "window": 2},
    {"nums": [1, 2], "window": 3},
    {"nums": [10], "window": 1},
    {"nums": [1, 1, 2], "window": 0},
)

task(
    "next-permutation",
    "next_permutation",
    "Return the next lexicographic permutation of a list of numbers, wrapping around to the ascending order after the last one.",
    """
    def next_permutation(nums):
        a = list(nums)
        i = len(a) - 2
        while i >= 0 and a[i] >= a[i + 1]:
            i -= 1
        if i >= 0:
            j = len(a) - 1
            while a[j] <= a[i]:
                j -= 1
            a[i], a[j] = a[j], a[i]
        a[i + 1:] = reversed(a[i + 1:])
        return a
    """,
    {"nums": [1, 2, 3]},
    {"nums": [3, 2, 1]},
    {"nums": [1, 1, 5]},
    {"nums": []},
    {"nums": [1, 3, 2]},
)

# ---------------------------------------------------------------- matrices and grids

task(
    "matrix-transpose",
    "transpose",
    "Transpose a rectangular matrix given as a list of rows; an empty matrix stays empty.",
    """
    def transpose(matrix):
        if not matrix:
            return []
        return [[row[c] for row in matrix] for c in range(len(matrix[0]))]
    """,
    {"matrix": [[1, 2, 3], [4, 5, 6]]},
    {"matrix": []},
    {"matrix": [[7]]},
    {"matrix": [[1], [2], [3]]},
)

task(
    "matrix-multiply",
    "matrix_multiply",
    "Multiply two matrices given as lists of rows; return None when the inner dimensions do not match.",
    """
    def matrix_multiply(a, b):
        if not a or not b or len(a[0]) != len(b):
            return None
        cols = len(b[0])
        return [[sum(a[i][k] * b[k][j] for k in range(len(b))) for j in range(cols)] for i in range(len(a))]
    """,
    {"a": [[1, 2], [3, 4]], "b": [[5, 6], [7, 8]]},
    {"a": [[1, 2, 3]], "b": [[1], [0], [-1]]},
    {"a": [[1, 2]], "b": [[1, 2]]},
    {"a": [], "b": [[1]]},
)

task(
    "spiral-order",
    "spiral_order",
    "Read the elements of a matrix in clockwise spiral order starting at the top-left corner.",
    """
    def spiral_order(matrix):
        out = []
        if not matrix:
            return out
        top, bottom, left, right = 0, len(matrix) - 1, 0, len(matrix[0]) - 1
        while top <= bottom and left <= right:
            out.extend(matrix[top][c] for c in range(left, right + 1))
            out.extend(matrix[r][right] for r in range(top + 1, bottom + 1))
            if top < bottom:
                out.extend(matrix[bottom][c] for c in range(right - 1, left - 1, -1))
            if left < right:
                out.extend(matrix[r][left] for r in range(bottom - 1, top, -1))
            top, bottom, left, right = top + 1, bottom - 1, left + 1, right - 1
        return out
    """,
    {"matrix": [[1, 2, 3], [4, 5, 6], [7, 8, 9]]},
    {"matrix": []},
    {"matrix": [[1, 2, 3, 4]]},
    {"matrix": [[1], [2], [3]]},
    {"matrix": [[1, 2], [3, 4], [5, 6]]},
)

task(
    "count-islands",
    "count_islands",
    "Count the islands of 1s in a grid of 0s and 1s, where cells connect horizontally and vertically.",
    """
    def count_islands(grid):
        rows = len(grid)
        cols = len(grid[0]) if rows else 0
        seen = set()
        islands = 0
        for r in range(rows):
            for c in range(cols):
                if grid[r][c] != 1 or (r, c) in seen:
                    continue
                islands += 1
                todo = [(r, c)]
                seen.add((r, c))
                while todo:
                    y, x = todo.pop()
                    for ny, nx in ((y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)):
                        if 0 <= ny < rows and 0 <= nx < cols and grid[ny][nx] == 1 and (ny, nx) not in seen:
                            seen.add((ny, nx))
                            todo.append((ny, nx))
        return islands
    """,
    {"grid": [[1, 1, 0, 0], [0, 1, 0, 1], [1, 0, 0, 1]]},
    {"grid": []},
    {"grid": [[0, 0], [0, 0]]},
    {"grid": [[1, 0, 1], [0, 1, 0], [1, 0, 1]]},
)

# ---------------------------------------------------------------- recursion and nested data

task(
    "flatten-nested",
    "flatten",
    "Flatten arbitrarily nested lists and tuples into one flat list, recursively; strings count as single items.",
    """
    def flatten(nested):
        out = []
        for item in nested:
            if isinstance(item, (list, tuple)):
                out.extend(flatten(item))
            else:
                out.append(item)
        return out
    """,
    {"nested": [1, [2, [3, [4]], 5], (6, 7)]},
    {"nested": []},
    {"nested": [[], [[]], "ab"]},
    {"nested": [[[["deep"]]]]},
)

task(
    "nesting-depth",
    "nesting_depth",
    "Return how deeply lists and dicts are nested in a value: 0 for a scalar, 1 for a flat list or dict; dict values count, keys do not.",
    """
    def nesting_depth(value):
        if isinstance(value, dict):
            return 1 + max((nesting_depth(v) for v in value.values()), default=0)
        if isinstance(value, list):
            return 1 + max((nesting_depth(v) for v in value), default=0)
        return 0
    """,
    {"value": [1, [2, {"a": [3]}]]},
    {"value": 5},
    {"value": []},
    {"value": {"k": {}, "j": "text"}},
)

task(
    "deep-merge",
    "deep_merge",
    "Merge two dicts recursively: nested dicts are merged, any other value from the second dict replaces the first; the inputs are not modified.",
    """
    def deep_merge(base, override):
        result = dict(base)
        for key, value in override.items():
            if isinstance(value, dict) and isinstance(result.get(key), dict):
                result[key] = deep_merge(result[key], value)
            else:
                result[key] = value
        return result
    """,
    {"base": {"a": 1, "b": {"c": 2, "d": 3}}, "override": {"b": {"c": 20}, "e": 5}},
    {"base": {}, "override": {}},
    {"base": {"x": {"y": 1}}, "override": {"x": 7}},
    {"base": {"x": 1}, "override": {"x": {"y": 2}}},
)

task(
    "invert-dict",
    "invert_dict",
    "Invert a dict: map each value to the sorted list of keys that had it.",
    """
    def invert_dict(mapping):
        inverted = {}
        for key, value in mapping.items():
            inverted.setdefault(value, []).append(key)
        return {value: sorted(keys) for value, keys in inverted.items()}
    """,
    {"mapping": {"a": 1, "b": 2, "c": 1}},
    {"mapping": {}},
    {"mapping": {"x": "same", "y": "same"}},
    {"mapping": {3: 0, 1: 0, 2: 9}},
)

task(
    "subsets",
    "subsets",
    "Return all subsets of a list of distinct items, recursively, each subset in input order, subsets without the first item first.",
    """
    def subsets(items):
        if not items:
            return [[]]
        rest = subsets(items[1:])
        return rest + [[items[0]] + s for s in rest]
    """,
    {"items": [1, 2, 3]},
    {"items": []},
    {"items": ["a"]},
    {"items": [0, -1]},
)

task(
    "string-permutations",
    "permutations",
    "Return the distinct permutations of a string in sorted order, built recursively.",
    """
    def permutations(s):
        if len(s) <= 1:
            return [s]
        found = set()
        for i, ch in enumerate(s):
            for rest in permutations(s[:i] + s[i + 1:]):
                found.add(ch + rest)
        return sorted(found)
    """,
    {"s": "abc"},
    {"s": ""},
    {"s": "aab"},
    {"s": "z"},
)

task(
    "hanoi-moves",
    "hanoi",
    "List the moves (from, to) that solve the Towers of Hanoi for n disks from peg 'A' to peg 'C' using peg 'B'; no moves for n < 1.",
    """
    def hanoi(n, source="A", target="C", spare="B"):
        if n < 1:
            return []
        return (hanoi(n - 1, source, spare, target)
                + [(source, target)]
                + hanoi(n - 1, spare, target, source))
    """,
    {"n": 2},
    {"n": 0},
    {"n": 3},
    {"n": 1, "source": "X", "target": "Y", "spare": "Z"},
)

# ---------------------------------------------------------------- dynamic programming

task(
    "edit-distance",
    "edit_distance",
    "Compute the Levenshtein distance between two strings (insertions, deletions and substitutions each cost 1).",
    """
    def edit_distance(a, b):
        prev = list(range(len(b) + 1))
        for i, ca in enumerate(a, 1):
            cur = [i]
            for j, cb in enumerate(b, 1):
                cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
            prev = cur
        return prev[-1]
    """,
    {"a": "kitten", "b": "sitting"},
    {"a": "", "b": "abc"},
    {"a": "same", "b": "same"},
    {"a": "flaw", "b": "lawn"},
)

task(
    "lcs-length",
    "lcs_length",
    "Return the length of the longest common subsequence of two sequences.",
    """
    def lcs_length(a, b):
        table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
        for i in range(1, len(a) + 1):
            for j in range(1, len(b) + 1):
                if a[i - 1] == b[j - 1]:
                    table[i][j] = table[i - 1][j - 1] + 1
                else:
                    table[i][j] = max(table[i - 1][j], table[i][j - 1])
        return table[-1][-1]
    """,
    {"a": "ABCBDAB", "b": "BDCABA"},
    {"a": "", "b": "xyz"},
    {"a": [1, 2, 3], "b": [3, 2, 1]},
    {"a": "abc", "b": "abc"},
)

task(
    "coin-change",
    "min_coins",
    "Return the fewest coins from the given denominations that add up to amount (0 for amount 0), or -1 when it cannot be done.",
    """
    def min_coins(coins, amount):
        if amount < 0:
            return -1
        best = [0] + [None] * amount
        for total in range(1, amount + 1):
            options = [best[total - c] for c in coins if 0 < c <= total and best[total - c] is not None]
            best[total] = min(options) + 1 if options else None
        return -1 if best[amount] is None else best[amount]
    """,
    {"coins": [1, 2, 5], "amount": 11},
    {"coins": [2], "amount": 3},
    {"coins": [], "amount": 0},
    {"coins": [3, 7], "amount": 14},
    {"coins": [5], "amount": -1},
)

task(
    "knapsack",
    "knapsack",
    "Solve the 0/1 knapsack problem: the best total value of items (weights[i], values[i]) that fit in the capacity.",
    """
    def knapsack(weights, values, capacity):
        if capacity <= 0:
            return 0
        best = [0] * (capacity + 1)
        for w, v in zip(weights, values):
            for c in range(capacity, w - 1, -1):
                best[c] = max(best[c], best[c - w] + v)
        return best[capacity]
    """,
    {"weights": [1, 3, 4, 5], "values": [1, 4, 5, 7], "capacity": 7},
    {"weights": [], "values": [], "capacity": 10},
    {"weights": [5], "values": [10], "capacity": 4},
    {"weights": [2, 2], "values": [3, 3], "capacity": 0},
)

# ---------------------------------------------------------------- small classes used inside a function

task(
    "rpn-with-stack",
    "eval_rpn",
    "Evaluate a list of reverse-Polish tokens (integers and + - * /, with / truncating toward zero) using a small Stack class; return None when the expression is malformed.",
    """
    class Stack:
        def __init__(self):
            self._items = []

        def push(self, item):
            self._items.append(item)

        def pop(self):
            if not self._items:
                raise IndexError("empty stack")
            return self._items.pop()

        def __len__(self):
            return len(self._items)


    def eval_rpn(tokens):
        stack = Stack()
        try:
            for token in tokens:
                if token in ("+", "-", "*", "/"):
                    right, left = stack.pop(), stack.pop()
                    if token == "+":
                        stack.push(left + right)
                    elif token == "-":
                        stack.push(left - right)
                    elif token == "*":
                        stack.push(left * right)
                    else:
                        stack.push(int(left / right))
                else:
                    stack.push(int(token))
        except (IndexError, ZeroDivisionError, ValueError):
            return None
        return stack.pop() if len(stack) == 1 else None
    """,
    {"tokens": ["2", "1", "+", "3", "*"]},
    {"tokens": ["4", "13", "5", "/", "+"]},
    {"tokens": []},
    {"tokens": ["1", "+"]},
    {"tokens": ["7", "-2", "/"]},
    {"tokens": ["1", "0", "/"]},
)

task(
    "tally-most-common",
    "most_common",
    "Return the n most common characters of a string with their counts, ties broken by first appearance, using a small Tally class.",
    """
    class Tally:
        def __init__(self):
            self.counts = {}
            self.order = {}

        def add(self, item):
            if item not in self.counts:
                self.order[item] = len(self.order)
                self.counts[item] = 0
            self.counts[item] += 1

        def top(self, n):
            ranked = sorted(self.counts, key=lambda k: (-self.counts[k], self.order[k]))
            return [(k, self.counts[k]) for k in ranked[:max(n, 0)]]


    def most_common(text, n):
        tally = Tally()
        for ch in text:
            tally.add(ch)
        return tally.top(n)
    """,
    {"text": "abracadabra", "n": 2},
    {"text": "", "n": 3},
    {"text": "xyzzy", "n": 0},
    {"text": "aabbcc", "n": 5},
)

task(
    "bank-account",
    "apply_transactions",
    "Apply ('deposit' | 'withdraw', amount) operations to an Account starting at `opening`; withdrawals that would overdraw and non-positive amounts are rejected. Return (balance, rejected count).",
    """
    class Account:
        def __init__(self, balance):
            self.balance = balance
            self.rejected = 0

        def deposit(self, amount):
            if amount <= 0:
                self.rejected += 1
            else:
                self.balance += amount

        def withdraw(self, amount):
            if amount <= 0 or amount > self.balance:
                self.rejected += 1
            else:
                self.balance -= amount


    def apply_transactions(opening, operations):
        account = Account(opening)
        for kind, amount in operations:
            if kind == "deposit":
                account.deposit(amount)
            elif kind == "withdraw":
                account.withdraw(amount)
            else:
                account.rejected += 1
        return (account.balance, account.rejected)
    """,
    {"opening": 100, "operations": [("deposit", 50), ("withdraw", 30), ("withdraw", 500)]},
    {"opening": 0, "operations": []},
    {"opening": 10, "operations": [("withdraw", 10), ("deposit", -5), ("refund", 3)]},
    {"opening": 5, "operations": [("withdraw", 0), ("deposit", 1)]},
)

task(
    "round-robin",
    "round_robin",
    "Simulate round-robin scheduling with a small Queue class: jobs are (name, work) and each turn runs a job for at most `quantum` units; return job names in the order they finish.",
    """
    class Queue:
        def __init__(self, items):
            self._items = list(items)
            self._head = 0

        def push(self, item):
            self._items.append(item)

        def pop(self):
            item = self._items[self._head]
            self._head += 1
            return item

        def __bool__(self):
            return self._head < len(self._items)


    def round_robin(jobs, quantum):
        if quantum < 1:
            return []
        queue = Queue(jobs)
        finished = []
        while queue:
            name, work = queue.pop()
            if work <= quantum:
                finished.append(name)
            else:
                queue.push((name, work - quantum))
        return finished
    """,
    {"jobs": [("a", 5), ("b", 2), ("c", 4)], "quantum": 2},
    {"jobs": [], "quantum": 3},
    {"jobs": [("x", 1)], "quantum": 0},
    {"jobs": [("p", 3), ("q", 3)], "quantum": 3},
    {"jobs": [("z", 0), ("y", 7)], "quantum": 4},
)

task(
    "inventory-report",
    "restock_list",
    "Replay stock events ('in' | 'out', item, quantity) through an Inventory class (an 'out' takes at most what is in stock) and return the sorted names of items below the threshold.",
    """
    class Inventory:
        def __init__(self):
            self.stock = {}

        def receive(self, item, quantity):
            self.stock[item] = self.stock.get(item, 0) + quantity

        def ship(self, item, quantity):
            available = self.stock.get(item, 0)
            self.stock[item] = available - min(available, quantity)

        def below(self, threshold):
            return sorted(item for item, qty in self.stock.items() if qty < threshold)


    def restock_list(events, threshold):
        inventory = Inventory()
        for kind, item, quantity in events:
            if kind == "in":
                inventory.receive(item, quantity)
            elif kind == "out":
                inventory.ship(item, quantity)
        return inventory.below(threshold)
    """,
    {"events": [("in", "bolt", 10), ("in", "nut", 3), ("out", "bolt", 8)], "threshold": 5},
    {"events": [], "threshold": 1},
    {"events": [("out", "gear", 4), ("in", "gear", 1)], "threshold": 1},
    {"events": [("in", "a", 5), ("in", "b", 5)], "threshold": 5},
)

task(
    "arithmetic-expression",
    "evaluate",
    "Evaluate an integer arithmetic expression with + - * // and parentheses (usual precedence, unary minus) by recursive descent; return None on a syntax error or division by zero.",
    """
    def evaluate(expr):
        tokens = []
        i = 0
        while i < len(expr):
            ch = expr[i]
            if ch.isdigit():
                j = i
                while j < len(expr) and expr[j].isdigit():
                    j += 1
                tokens.append(int(expr[i:j]))
                i = j
                continue
            if expr.startswith("//", i):
                tokens.append("//")
                i += 2
                continue
            if ch in "+-*()":
                tokens.append(ch)
            elif not ch.isspace():
                return None
            i += 1
        pos = [0]

        def peek():
            return tokens[pos[0]] if pos[0] < len(tokens) else None

        def take():
            pos[0] += 1
            return tokens[pos[0] - 1]

        def atom():
            tok = peek()
            if tok == "-":
                take()
                return -atom()
            if tok == "(":
                take()
                value = expression()
                if take() != ")":
                    raise SyntaxError
                return value
            if isinstance(tok, int):
                return take()
            raise SyntaxError

        def term():
            value = atom()
            while peek() in ("*", "//"):
                value = value * atom() if take() == "*" else value // atom()
            return value

        def expression():
            value = term()
            while peek() in ("+", "-"):
                value = value + term() if take() == "+" else value - term()
            return value

        try:
            result = expression()
        except (SyntaxError, IndexError, ZeroDivisionError):
            return None
        return result if pos[0] == len(tokens) else None
    """,
    {"expr": "2 + 3 * (4 - 1)"},
    {"expr": "-(7 // 2) * 2"},
    {"expr": ""},
    {"expr": "1 // 0"},
    {"expr": "(1 + 2"},
    {"expr": "10 - 2 - 3"},
)


# ---------------------------------------------------------------- output


def slugify_records():
    records = []
    for number, spec in enumerate(TASKS, 1):
        records.append(
            {
                "id": f"sinq/{number:03d}-{spec['slug']}",
                "description": spec["description"],
                "source": spec["source"],
                "entryPoint": spec["entry"],
                "exampleInputs": [render(args) for args in spec["inputs"]],
                "origin": "sinq",
            }
        )
    return records


def render(args):
    return "{" + ", ".join(f"{key!r}: {value!r}" for key, value in args.items()) + "}"


def check(records):
    """Runs every example of our own (trusted) tasks here, as a quick check while editing them."""
    import ast

    failures = 0
    for record in records:
        namespace = {}
        exec(compile(record["source"], record["id"], "exec"), namespace)
        fn = namespace[record["entryPoint"]]
        for text in record["exampleInputs"]:
            started = time.perf_counter()
            try:
                fn(**ast.literal_eval(text))
            except Exception as err:  # noqa: BLE001 - report every failing example
                failures += 1
                print(f"{record['id']} {text}: raised {type(err).__name__}: {err}", file=sys.stderr)
                continue
            elapsed = (time.perf_counter() - started) * 1000
            if elapsed > 50:
                failures += 1
                print(f"{record['id']} {text}: took {elapsed:.1f} ms", file=sys.stderr)
    return failures


def main():
    records = slugify_records()
    entries = [r["entryPoint"] for r in records]
    assert len(set(r["id"] for r in records)) == len(records)
    out = Path(__file__).with_name("tasks.jsonl")
    with out.open("w", encoding="utf-8", newline="\n") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} tasks ({len(set(entries))} distinct entry points) to {out}")
    if "--check" in sys.argv[1:]:
        failures = check(records)
        print(f"{failures} failing examples")
        sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
